"""The retrieval-quality corpus: documents generated here, with known facts at known pages and
sections, in several scripts and formats, and the questions that should find them.

Each fact has a unique answer string; a passage "has" the fact when its text contains that
string. The expected page of a fact in a PDF is read back from the PDF itself (pypdf, page by
page), so the ground truth does not depend on the extractor under test.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass

import docx
from fpdf import FPDF
from pypdf import PdfReader

from bench.ingest import synthetic_text
from tests.fixtures.scripts import ARABIC, CJK, DEVANAGARI, HEBREW, Script, script_pdf_bytes

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Doc:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Question:
    query: str
    doc: str
    answer: str  # text a passage holding the fact contains
    page: int | None = None  # expected cited page (paged formats)
    section: str | None = None  # expected section path


@dataclass
class Corpus:
    docs: list[Doc]
    questions: list[Question]


_GUIDE_FACTS = (
    ("amber heron valve", "KX-4471"),
    ("copper lantern pump", "QJ-2290"),
    ("silver otter relay", "MV-1187"),
    ("granite falcon sensor", "TR-5502"),
    ("violet badger fuse", "LW-7741"),
    ("cobalt lynx gauge", "PN-3318"),
    ("scarlet ibis filter", "HD-6625"),
    ("ivory marten switch", "ZC-9034"),
)
# (level, title) of each outline section, and the facts (indexes) written in it.
_GUIDE_SECTIONS = (
    (0, "1 Overview", (0,)),
    (1, "1.1 Scope", (1,)),
    (0, "2 Installation", (2,)),
    (1, "2.1 Network setup", (3, 4)),
    (0, "3 Operations", (5,)),
    (0, "4 Maintenance", (6,)),
    (1, "4.1 Spare parts", (7,)),
)


def guide_pdf() -> tuple[Doc, list[Question]]:
    """A manual whose sections start mid-page, with a table of contents on page 1."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Contents", new_x="LMARGIN", new_y="NEXT")
    for _, title, facts in _GUIDE_SECTIONS:
        nouns = ", ".join(_GUIDE_FACTS[i][0] for i in facts)
        pdf.multi_cell(0, 6, f"{title} .......... ({nouns})", new_x="LMARGIN", new_y="NEXT")
    path: list[str] = []
    questions: list[tuple[str, str, str]] = []
    seed = 100
    for level, title, facts in _GUIDE_SECTIONS:
        del path[level:]
        path.append(title)
        pdf.start_section(title, level=level)
        pdf.set_font("helvetica", "B", 13)
        pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        for fact in facts:
            noun, code = _GUIDE_FACTS[fact]
            seed += 1
            pdf.multi_cell(0, 6, synthetic_text(1_400, seed=seed), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
            sentence = f"The calibration code of the {noun} is {code}, set at the factory."
            pdf.multi_cell(0, 6, sentence, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
            questions.append((f"calibration code of the {noun}", code, " > ".join(path)))
        seed += 1
        pdf.multi_cell(0, 6, synthetic_text(900, seed=seed), new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    pages = _pdf_pages(data)
    return Doc("guide.pdf", PDF, data), [
        Question(query, "guide.pdf", code, _page_of(pages, code), section)
        for query, code, section in questions
    ]


_SCRIPT_FACTS: dict[str, tuple[str, list[tuple[str, str, str]], list[str]]] = {
    # script: (filler, [(fact sentence, query, answer)], section titles)
    "arabic": (
        "هذا نص عام عن تشغيل المصنع والصيانة اليومية للآلات في كل قسم.",
        [
            ("رمز المعايرة للصمام الأزرق هو سبعة وأربعون.", "رمز المعايرة للصمام الأزرق", "الأزرق"),
            ("يقع المستودع الرئيسي في مدينة الإسكندرية.", "أين المستودع الرئيسي", "الإسكندرية"),
        ],
        ["مقدمة", "المستودعات"],
    ),
    "hebrew": (
        "זהו טקסט כללי על תפעול המפעל ותחזוקה יומית של המכונות בכל מחלקה.",
        [
            ("קוד הכיול של השסתום הכחול הוא ארבעים ושבע.", "קוד הכיול של השסתום הכחול", "הכחול"),
            ("המחסן הראשי נמצא בעיר חיפה.", "איפה המחסן הראשי", "חיפה"),
        ],
        ["מבוא", "מחסנים"],
    ),
    "devanagari": (
        "यह कारखाने के संचालन और मशीनों के दैनिक रखरखाव के बारे में सामान्य पाठ है।",
        [
            ("नीले वाल्व का अंशांकन कोड सैंतालीस है।", "नीले वाल्व का अंशांकन कोड", "सैंतालीस"),
            ("मुख्य गोदाम जयपुर शहर में है।", "मुख्य गोदाम कहाँ है", "जयपुर"),
        ],
        ["परिचय", "गोदाम"],
    ),
    "cjk": (
        "这是关于工厂运营和机器日常维护的一般文字。",
        [
            ("蓝色阀门的校准代码是四十七。", "蓝色阀门的校准代码", "四十七"),
            ("主仓库位于大连市。", "主仓库在哪里", "大连"),
        ],
        ["简介", "仓库"],
    ),
}


def script_pdf(script: Script) -> tuple[Doc, list[Question]]:
    filler, facts, titles = _SCRIPT_FACTS[script.name]
    pages = [
        [filler * 3, filler * 2, facts[0][0], filler * 2],
        [filler * 4, facts[1][0], filler * 3],
    ]
    sections = {(0, 0): titles[0], (1, 1): titles[1]}
    name = f"{script.name}.pdf"
    data = script_pdf_bytes(script, pages, sections=sections)
    return Doc(name, PDF, data), [
        Question(facts[0][1], name, facts[0][2], 1, titles[0]),
        Question(facts[1][1], name, facts[1][2], 2, titles[1]),
    ]


def manual_docx() -> tuple[Doc, list[Question]]:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Plant registry number HX-3391, confidential."
    document.sections[0].footer.paragraphs[0].text = "Printed by the records office in Tromso."
    document.add_heading("Plant manual", level=1)
    document.add_heading("Startup", level=2)
    for seed in range(3):
        document.add_paragraph(synthetic_text(700, seed=300 + seed))
    start = document.add_paragraph("Open the intake slowly before the first pump starts.")
    document.add_comment(start.runs, text="The backup generator key is kept in locker 58.")
    document.add_heading("Shutdown", level=2)
    document.add_paragraph("The shutdown password for the turbine hall is ember-falcon.")
    document.add_paragraph(synthetic_text(900, seed=310))
    out = io.BytesIO()
    document.save(out)
    name = "manual.docx"
    return Doc(name, DOCX, out.getvalue()), [
        Question("shutdown password for the turbine hall", name, "ember-falcon", None,
                 "Plant manual > Shutdown"),
        Question("plant registry number", name, "HX-3391"),
        Question("where is the backup generator key kept", name, "locker 58"),
        Question("which office printed the manual", name, "Tromso"),
    ]  # fmt: skip


def deck_pptx() -> tuple[Doc, list[Question]] | None:
    try:
        from pptx import Presentation  # noqa: PLC0415
    except ImportError:
        return None
    deck = Presentation()
    slides = (
        ("Quarterly targets", "Revenue target is 4.2 million.", "Stress the churn numbers."),
        ("Hiring plan", "Two engineers join in spring.", "The team offsite is in Lisbon."),
        ("Risks", "Supplier delays could slip the launch.", "Mention the Vantor contract."),
    )
    for title, body, notes in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        slide.notes_slide.notes_text_frame.text = notes
    out = io.BytesIO()
    deck.save(out)
    name = "deck.pptx"
    return Doc(name, PPTX, out.getvalue()), [
        Question("revenue target", name, "4.2 million", 1, "Quarterly targets"),
        Question("where is the team offsite", name, "Lisbon", 2, "Hiring plan"),
        Question("which contract is a risk", name, "Vantor", 3, "Risks"),
    ]


def sheet_xlsx() -> tuple[Doc, list[Question]] | None:
    try:
        from openpyxl import Workbook  # noqa: PLC0415
    except ImportError:
        return None
    book = Workbook()
    inventory = book.active
    inventory.title = "Inventory"
    inventory.append(["Part", "Quantity", "Location"])
    for number in range(120):
        inventory.append([f"Bolt size {number}", number, f"Shelf {number % 9}"])
    inventory.append(["Turbine blade", 14, "Warehouse Delta"])
    suppliers = book.create_sheet("Suppliers")
    suppliers.append(["Supplier", "Country", "Contact"])
    suppliers.append(["Norrland Steel", "Sweden", "Agnes Holm"])
    out = io.BytesIO()
    book.save(out)
    name = "sheet.xlsx"
    return Doc(name, XLSX, out.getvalue()), [
        Question("turbine blade location", name, "Warehouse Delta", None, "Inventory"),
        Question("Norrland Steel supplier contact", name, "Agnes Holm", None, "Suppliers"),
    ]


def page_html() -> tuple[Doc, list[Question]]:
    nav = "".join(
        f'<li><a href="/p{i}">Pricing plans and monthly pricing {i}</a></li>' for i in range(40)
    )
    html = f"""<!doctype html><html><head><title>Acme pricing</title></head><body>
<header><nav><ul>{nav}</ul></nav></header>
<main><article><h1>Enterprise pricing</h1>
<p>{synthetic_text(600, seed=400)}</p>
<p>The enterprise plan costs 480 euros per month, billed yearly.</p>
<p>{synthetic_text(600, seed=401)}</p></article></main>
<footer><p>Pricing plans per month. Copyright Acme. Pricing terms. Monthly pricing.</p></footer>
</body></html>"""
    name = "page.html"
    return Doc(name, "text/html", html.encode()), [
        Question("enterprise plan pricing per month", name, "480 euros")
    ]


def legacy_txt() -> tuple[Doc, list[Question]]:
    text = (
        "Relevé de la chaufferie.\n\n"
        + synthetic_text(500, seed=500)
        + "\n\nLe numéro de série de la chaudière est ZB-2207, vérifié en décembre.\n"
    )
    name = "legacy.txt"
    return Doc(name, "text/plain", text.encode("cp1252")), [
        Question("numéro de série de la chaudière", name, "ZB-2207")
    ]


def scanned_png() -> tuple[Doc, list[Question]] | None:
    if shutil.which("tesseract") is None:
        return None
    from PIL import Image, ImageDraw, ImageFont  # noqa: PLC0415

    image = Image.new("L", (1400, 300), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    draw.text((40, 60), "The freezer alarm code is QT-8812.", fill=0, font=font)
    draw.text((40, 160), "Call the night porter first.", fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    name = "scan.png"
    return Doc(name, "image/png", out.getvalue()), [
        Question("freezer alarm code", name, "QT-8812", 1)
    ]


def build() -> Corpus:
    corpus = Corpus([], [])
    parts = [guide_pdf(), *(script_pdf(s) for s in (ARABIC, HEBREW, DEVANAGARI, CJK))]
    parts += [manual_docx(), deck_pptx(), sheet_xlsx(), page_html(), legacy_txt(), scanned_png()]
    for part in parts:
        if part is None:
            continue
        doc, questions = part
        corpus.docs.append(doc)
        corpus.questions.extend(questions)
    return corpus


def _pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def _page_of(pages: list[str], answer: str) -> int:
    for number, text in enumerate(pages, start=1):
        if answer in text:
            return number
    raise ValueError(f"{answer!r} is on no page")
