"""The Portuguese edition reads as a Brazilian instructor writes: no anglicisms and false friends
that give a machine translation away (deletar, randômico, "você irá", eventualmente for
"eventually"), in the notebooks' prose, the catalog's translations and the Portuguese documents."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[1]
PO = ROOT / "sqslab" / "locale" / "pt_BR" / "LC_MESSAGES" / "sqslab.po"

#: pattern -> what a Brazilian instructor writes instead
CALQUES = {
    r"\bdelet(ar|ad[oa]s?|ou|ando|amos|em)\b": "excluir (como o console da AWS em português)",
    r"\brandômic[oa]s?\b": "aleatório",
    r"\bperform(ar|ou|ando|átic[oa]s?)\b": "executar, ter bom desempenho",
    r"\bset(ar|ad[oa]s?|ou|ando)\b": "definir, configurar",
    r"\bvocê irá\b": "você vai",
    r"\beventualmente\b": "em algum momento, mais cedo ou mais tarde (eventualmente = às vezes)",
    r"\bassum(ir|imos|e) que\b": "supor que, partir do princípio de que",
    r"\bmandatóri[oa]s?\b": "obrigatório",
    r"\bendereç(ar|ou|ando|amos) (o|um|esse|este) problema\b": "resolver, tratar",
    r"\bfaz(er)? sentido de\b": "entender",
    r"\bjobs?\b": "tarefa (o glossário: um job é uma tarefa; o código pode dizer `job`)",
}
#: inline code, code blocks, links' targets and a catalog text's {placeholders} are not prose
CODE = re.compile(r"```.*?```|`[^`\n]*`|\]\([^)]*\)|\{\w+\}", re.DOTALL)


def calques(text: str) -> list[str]:
    """Each calque in ``text``'s prose, with what to write instead."""
    prose = CODE.sub(" ", text)
    return [
        f"{m.group(0)!r}: write {better}"
        for pattern, better in CALQUES.items()
        for m in re.finditer(pattern, prose, re.IGNORECASE)
    ]


def portuguese_texts() -> list[tuple[str, str]]:
    """(where, text) for every Portuguese text of the course."""
    texts = []
    for path in sorted((ROOT / "notebooks" / "pt-BR").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            source = cell.source
            if cell.cell_type == "code":  # comments only: strings are checked through the catalog
                source = "\n".join(
                    line.split("#", 1)[1] for line in source.splitlines() if "#" in line
                )
            texts.append((f"{path.relative_to(ROOT)} {cell.get('id')}", source))
    with PO.open("rb") as po:
        for message in read_po(po, locale="pt_BR"):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            texts += [(f"sqslab.po {message.id!r:.60}", s) for s in strings if message.id]
    # not the glossary: it names the words to avoid ('não "deletar"')
    guides = [p for p in (ROOT / "docs" / "pt-BR").glob("*.md") if p.name != "glossario.md"]
    docs = [*guides, *ROOT.glob("README.pt-BR.md")]
    texts += [(str(doc.relative_to(ROOT)), doc.read_text()) for doc in docs]
    return texts


def test_the_portuguese_edition_has_no_telltale_calques():
    found = [f"{where}: {c}" for where, text in portuguese_texts() for c in calques(text)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("Depois de processar, você irá deletar a mensagem.", 2),
        ("Um ID randômico, setado pelo produtor.", 2),
        ("O job mais antigo espera; os jobs chegam.", 2),
        ("A tarefa mais antiga espera na fila `slow-jobs`, e `job(10)` monta as etapas.", 0),
        ("a tarefa {job} terminou", 0),
        ("A mensagem eventualmente chega à DLQ.", 1),
        ("Depois de processar, você vai excluir a mensagem com `delete_message`.", 0),
        ("Chame [DeleteMessage](https://docs.aws.amazon.com/delete) e `sqs.delete`.", 0),
    ],
)
def test_the_check_catches_calques_and_leaves_code_alone(text, caught):
    assert len(calques(text)) == caught


#: what an output line shows as code or data, not as a number for the reader: addresses, dates,
#: times, versions, inline code, Python reprs (lists, dicts, objects, key=value) and quoted strings
NOT_A_READ_NUMBER = re.compile(
    r"https?://\S+|\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?|\b\d\d:\d\d(:\d\d(\.\d+)?)?|`[^`]*`|\[[^\]]*\]"
    r"|\{[^}]*\}|<[^>]*>|\w+=\S+|'[^']*'|\"[^\"]*\"|\bv?\d+\.\d+\.\d+\S*"
)
#: 1,500 (English grouping), 2.7 or 0.50 (an English decimal point: pt_BR groups by threes), $9
ENGLISH_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+\.(?:\d{1,2}|\d{4,})\b|\$\d[\d,.]*\d")
#: (notebook, cell) whose output prints the API's own values, as boto3 returns them
API_VALUES = {("06_monitoring", "c028"), ("06_monitoring", "c029")}


def english_numbers(line: str) -> list[str]:
    """The numbers in an output ``line`` written the English way (``1,500``, ``2.7``, ``$0.80``)."""
    return [m.group(0) for m in ENGLISH_NUMBER.finditer(NOT_A_READ_NUMBER.sub(" ", line))]


def test_the_portuguese_outputs_write_numbers_the_brazilian_way():
    found = []
    for path in sorted((ROOT / "notebooks" / "pt-BR").rglob("*.ipynb")):
        stem = path.stem.removesuffix("_solutions")
        for cell in nbformat.read(path, as_version=4).cells:
            if (stem, cell.get("id")) in API_VALUES:
                continue
            for output in cell.get("outputs", []):
                text = output.get("text", "") + output.get("data", {}).get("text/plain", "")
                found += [
                    f"{path.name} {cell.get('id')}: {n!r} in {line.strip()[:80]!r}"
                    for line in text.splitlines()
                    for n in english_numbers(line)
                ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("line", "english"),
    [
        ("865,737 solicitações em 30 dias", ["865,737"]),
        ("pedidos envenenados: 8 (2.7%)", ["2.7"]),
        ("1,000,000        $0.80", ["1,000,000", "$0.80"]),
        ("865.737 solicitações; 8 (2,7%); US$ 1.199,60; 3.603,0 s", []),
        ("espera [2.0, 4.0]; <ConsumeResult in 136.5 s>; FloatSlider(value=0.3); `0.8`", []),
        ("[https://docs.aws.amazon.com/x, 2026-11-28] boto3 1.35.2 às 09:48:00.5", []),
    ],
)
def test_the_number_check_reads_english_numbers_and_leaves_code_alone(line, english):
    assert english_numbers(line) == english
