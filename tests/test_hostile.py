"""Nothing lost, nothing injected, nothing unbounded: a batch killed with -9 and run again,
documents whose names are links or templates, two documents competing for one folder, and
PDFs and spreadsheets built to exhaust the reader."""
from __future__ import annotations

import html
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pikepdf
import psutil
import pytest
from conftest import ROOT, SAMPLE
from pikepdf import Array, Dictionary, Name, Stream

from finacct import Corpus, batch
from finacct.extract import guard
from finacct.store import Store

TEXT = SAMPLE.read_text(encoding="utf-8")
DEPT = "长春市人民政府办公厅"
OTHER = "长春市财政局"


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "finacct.cli", *args]


def journal(out: Path) -> list[dict]:
    return batch.Journal.read(out / batch.JOURNAL)


def folders(out: Path) -> list[Path]:
    """Every report folder under out (the ones with a manifest)."""
    return sorted(m.parent for m in out.glob("*/*/manifest.json"))


def test_a_batch_killed_with_sigkill_resumes_and_repairs_the_store(tmp_path: Path) -> None:
    src, out = tmp_path / "docs", tmp_path / "reports"
    src.mkdir()
    for year in (2020, 2021, 2022, 2023):
        (src / f"gov_{year}.txt").write_text(TEXT.replace("2023", str(year)), encoding="utf-8")
    first = subprocess.Popen(cli("batch", str(src), "--out", str(out), "--workers", "2", "--quiet"), cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 150
    while not journal(out) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
    assert journal(out) and first.poll() is None, "no document finished before the batch ended or the wait ran out"
    family = psutil.Process(first.pid).children(recursive=True)
    assert len(family) >= 2                                    # its workers
    first.kill()                                               # SIGKILL: no cleanup runs in the batch
    first.communicate()
    gone, alive = psutil.wait_procs(family, timeout=20)
    assert not alive, f"orphans left by the killed batch: {[(p.pid, p.name()) for p in alive]}"

    finished = {r["source"]: r["dir"] for r in journal(out) if r["status"] == "ok"}
    stamps = {s: json.loads((Path(d) / "manifest.json").read_text(encoding="utf-8"))["finished"] for s, d in finished.items()}
    errors: list[str] = []
    rerun = subprocess.Popen(cli("batch", str(src), "--out", str(out), "--workers", "2", "--quiet"), cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def read_while_it_runs() -> None:   # a notebook holding the corpus open while the batch writes it
        while rerun.poll() is None:
            if (out / "finacct.duckdb").exists():
                try:
                    Corpus.open(out / "finacct.duckdb").query("SELECT count(*) AS n FROM documents")
                except Exception as exc:  # noqa: BLE001 - any failure of the reader is the finding
                    errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.3)
    reader = threading.Thread(target=read_while_it_runs)
    reader.start()
    stdout, stderr = rerun.communicate(timeout=240)
    reader.join()
    assert rerun.returncode == 0, stderr
    assert not errors, errors
    assert "Traceback" not in stderr
    built, unchanged, failed = map(int, re.match(r"(\d+) built, (\d+) unchanged, (\d+) failed", stdout).groups())
    assert (built + unchanged, failed) == (4, 0) and unchanged >= len(finished)

    reports = folders(out)
    assert [p.name for p in reports] == ["2020", "2021", "2022", "2023"]
    for s, d in finished.items():   # finished before the kill: not built again
        assert json.loads((Path(d) / "manifest.json").read_text(encoding="utf-8"))["finished"] == stamps[s]
    state = json.loads((out / batch.STATE).read_text(encoding="utf-8"))
    assert len(state["reports"]) == 4 and not state["failures"]
    assert not (out / batch.JOURNAL).exists()                  # folded into the state file
    stored = Corpus.open(out / "finacct.duckdb").query("SELECT doc_id FROM documents")
    shas = {json.loads((p / "manifest.json").read_text(encoding="utf-8"))["source_sha256"] for p in reports}
    assert len(stored) == len(reports) and set(stored["doc_id"]) == shas
    assert not list(out.rglob(".part-*")) and not list(out.rglob(".old-*"))


def test_hostile_names_undated_twins_and_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A department named as a javascript: link, one holding papermill templates, two undated
    documents of one department, a final whose budget fails inside the notebook: every report
    built where it belongs, no link, the real reason, no retry, no empty folder."""
    src, out = tmp_path / "docs", tmp_path / "reports"
    src.mkdir()
    undated = re.sub(r"20\d\d(?=\s*年)", "", TEXT)
    (src / "undated_a.txt").write_text(undated, encoding="utf-8")
    (src / "undated_b.txt").write_text(undated.replace("长春市人民政府办公厅是协助", "长春市人民政府办公厅是负责协助"), encoding="utf-8")
    (src / "link.txt").write_text(TEXT.replace(DEPT, "[点我](javascript:alert(1))"), encoding="utf-8")
    (src / "braces.txt").write_text(TEXT.replace(DEPT, "长春${IFS}{x}{department}办公厅"), encoding="utf-8")
    (src / "final.txt").write_text(TEXT.replace(DEPT, OTHER), encoding="utf-8")
    (src / "budget.txt").write_text(f"{OTHER}\n2023年度部门预算\n\n部门：{OTHER} 单位：万元\n本部门预算说明略。\n", encoding="utf-8")
    results = {Path(r["source"]).name: r for r in batch.run(src, out, workers=2, progress=False)}
    assert {n: r["status"] for n, r in results.items()} == {
        "undated_a.txt": "ok", "undated_b.txt": "ok", "link.txt": "ok", "braces.txt": "ok", "final.txt": "failed", "budget.txt": "failed"}

    twins = {Path(results[n]["dir"]).relative_to(out.resolve()).as_posix() for n in ("undated_a.txt", "undated_b.txt")}
    assert twins == {f"{DEPT}/unknown", f"{DEPT}/unknown-2"}
    assert "holds the report of undated_a.txt" in capsys.readouterr().err
    for name in ("undated_a.txt", "undated_b.txt", "link.txt", "braces.txt"):
        page = (Path(results[name]["dir"]) / "report.html").read_text(encoding="utf-8")
        assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", page, re.I), name
        assert "Traceback" not in page
    link = (Path(results["link.txt"]["dir"]) / "report.html").read_text(encoding="utf-8")
    assert "[点我](javascript:alert(1))" in html.unescape(link)    # shown as the text it is
    assert Path(results["braces.txt"]["dir"]).parent.name == "长春${IFS}{x}{department}办公厅"

    # the notebook's own exception, not papermill's banner; nothing left of either failed folder
    assert results["final.txt"]["reason"].startswith("UnreadableError: budget.txt: no table")
    assert results["budget.txt"]["reason"].startswith("UnreadableError: budget.txt: no table")
    assert not (out / OTHER).exists() and not list(out.rglob(".part-*"))

    again = {Path(r["source"]).name: r for r in batch.run(src, out, workers=2, progress=False)}
    assert {n for n, r in again.items() if r["status"] == "skipped"} == {"undated_a.txt", "undated_b.txt", "link.txt", "braces.txt"}
    assert "--force retries" in again["final.txt"]["reason"] and "--force retries" in again["budget.txt"]["reason"]
    assert {Path(r["dir"]).name for r in again.values() if r["dir"]} == {"unknown", "unknown-2", "2023"}
    state = json.loads((out / batch.STATE).read_text(encoding="utf-8"))
    assert set(state["failures"]) == {str((src / "final.txt").resolve()), str((src / "budget.txt").resolve())}
    # Store, not Corpus.open: Store.disclosures() fails on a document without a year (store.py, reported)
    stored = Store(out / "finacct.duckdb", read_only=True).query("SELECT count(*) AS n FROM documents")["n"][0]
    assert stored == len(folders(out)) == 4


# -- hostile files: refused in seconds, with one line, in bounded memory -------------------------------
def lzw(data: bytes) -> bytes:
    """data LZW-encoded as PDF writers did (codes of 9 to 12 bits, the width growing one code
    early), the table cleared before it fills."""
    table = {bytes([i]): i for i in range(256)}
    codes, word = [256], b""
    for byte in data:
        if word + bytes([byte]) in table:
            word += bytes([byte])
            continue
        codes.append(table[word])
        table[word + bytes([byte])] = len(table) + 2
        word = bytes([byte])
        if len(table) + 2 == 4000:
            codes.append(256)
            table = {bytes([i]): i for i in range(256)}
    codes += [table[word], 257] if word else [257]
    bits, held, width, known, out = 0, 0, 9, 258, bytearray()
    for k, code in enumerate(codes):
        bits, held = (bits << width) | code, held + width
        while held >= 8:
            held -= 8
            out.append(bits >> held)
            bits &= (1 << held) - 1
        if code == 256:
            width, known = 9, 258
        elif codes[k - 1] != 256:   # the reader learns a code from the second one after a clear
            known += 1
            width = min(12, max(width, (known + 1).bit_length()))
    return bytes(out + (bytes([bits << (8 - held) & 0xFF]) if held else b""))


def run_length(data: bytes) -> bytes:
    """data RunLength-encoded: runs of a repeated byte, literal stretches between them."""
    out, i = bytearray(), 0
    while i < len(data):
        run = len(data[i:i + 128]) - len(data[i:i + 128].lstrip(data[i:i + 1]))
        if run > 1:
            out += bytes([257 - run]) + data[i:i + 1]
            i += run
        else:
            out += bytes([0]) + data[i:i + 1]
            i += 1
    return bytes(out + b"\x80")


ENCODERS = {Name.LZWDecode: lzw, Name.RunLengthDecode: run_length}


def _write(stream: Stream, content: bytes, filter: Name | None) -> None:
    """The stream's content, encoded with `filter` (LZW, RunLength) as an old writer would."""
    if filter is None:
        stream.write(content)
    else:
        stream.write(ENCODERS[filter](content), filter=filter)


@pytest.mark.parametrize("filter", [Name.LZWDecode, Name.RunLengthDecode])
def test_the_form_guard_reads_lzw_and_run_length_as_qpdf_does(tmp_path: Path, filter: Name) -> None:
    """Content long enough for LZW's codes to reach 12 bits and its table to be cleared: the
    guard decodes what qpdf decodes (and the fixtures below are what they claim to be)."""
    ops = [b"q", b"Q", b"/Fm0 Do", b"1 0 0 1 5 5 cm", b"BT", b"ET", b"(x) Tj", b"0 0 m 9 9 l S"]
    data = b" ".join(ops[(k * k + k // 7) % len(ops)] for k in range(40_000))
    pdf = pikepdf.new()
    pdf.Root.Data = pdf.make_indirect(Stream(pdf, b""))
    _write(pdf.Root.Data, data, filter)
    pdf.save(tmp_path / "stream.pdf", compress_streams=False)
    with pikepdf.open(tmp_path / "stream.pdf") as back:
        assert back.Root.Data.read_bytes(pikepdf.StreamDecodeLevel.specialized) == data
    read = guard._File((tmp_path / "stream.pdf").read_bytes())
    assert [read.decoded(s) for _, s in read.streams()] == [data]


def _form(pdf: pikepdf.Pdf, content: bytes, font: Dictionary, filter: Name | None = None, **xobjects: Stream) -> Stream:
    form = pdf.make_indirect(Stream(pdf, b""))
    _write(form, content, filter)
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 600, 800])
    form.Resources = Dictionary(Font=Dictionary(F1=font), XObject=Dictionary(**xobjects))
    return form


def _page(pdf: pikepdf.Pdf, content: bytes, **xobjects: Stream) -> None:
    pdf.pages.append(pikepdf.Page(Dictionary(Type=Name.Page, MediaBox=Array([0, 0, 600, 800]), Contents=pdf.make_stream(content),
                                             Resources=Dictionary(XObject=Dictionary(**xobjects)))))


def self_drawing_form(path: Path, filter: Name | None = None) -> None:
    """A form that draws itself twice: PDFium would parse 2^depth copies loading the page."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    form = _form(pdf, b"", font)
    form.Resources.XObject.Fm0 = form
    _write(form, b"BT /F1 12 Tf 10 10 Td (loop) Tj ET q .9 0 0 .9 5 5 cm /Fm0 Do Q q .5 0 0 .5 300 0 cm /Fm0 Do Q", filter)
    _page(pdf, b"/Fm0 Do", Fm0=form)
    pdf.save(path, object_stream_mode=pikepdf.ObjectStreamMode.generate,   # the form's resources packed in an object stream
             compress_streams=filter is None)                              # an encoded content left as it is


def fanned_out_forms(path: Path, filter: Name | None = None) -> None:
    """Forms drawing the form below ten times, eight levels deep: 10^8 form parses."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    form = _form(pdf, b"BT /F1 12 Tf 10 10 Td (leaf) Tj ET", font, filter)
    for _ in range(8):
        form = _form(pdf, b"".join(b"q 1 0 0 1 %d 0 cm /C Do Q " % i for i in range(10)), font, filter, C=form)
    _page(pdf, b"/C Do", C=form)
    pdf.save(path, compress_streams=filter is None)


def self_drawing_lzw_form(path: Path) -> None:
    """The self-drawing form in an LZWDecode stream, which the guard once could not read."""
    self_drawing_form(path, Name.LZWDecode)


def fanned_out_run_length_forms(path: Path) -> None:
    """The fanned-out forms in RunLengthDecode streams."""
    fanned_out_forms(path, Name.RunLengthDecode)


def form_drawing_from_page_resources(path: Path) -> None:
    """A form that draws itself twice by a name only the page's resources hold (its own name
    no XObject): PDFium looks the name up in the page's resources, level after level."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    form = _form(pdf, b"BT /F1 12 Tf 10 10 Td (x) Tj ET q .9 0 0 .9 5 5 cm /Fm0 Do Q q .5 0 0 .5 300 0 cm /Fm0 Do Q", font)
    form.Resources = Dictionary(Font=Dictionary(F1=font))
    _page(pdf, b"/Fm0 Do", Fm0=form)
    pdf.save(path)


def forms_behind_an_update(path: Path) -> None:
    """A harmless first section (classic trailer) and an update whose cross-reference stream
    names another catalog, whose page draws fanned-out forms (20 per level, 8 levels): PDFium
    takes the update's catalog, so the guard must look at it too."""
    out, at = bytearray(b"%PDF-1.5\n"), {}

    def obj(n: int, body: bytes, data: bytes | None = None) -> None:
        at[n] = len(out)
        out.extend(b"%d 0 obj\n" % n + (body + b"/Length %d>>stream\n" % len(data) + data + b"\nendstream" if data is not None else body)
                   + b"\nendobj\n")
    obj(1, b"<</Type/Catalog/Pages 2 0 R>>")
    obj(2, b"<</Type/Pages/Kids[3 0 R]/Count 1>>")
    obj(3, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>")
    first = len(out)
    out.extend(b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % at[n] for n in (1, 2, 3)))
    out.extend(b"trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % first)
    obj(4, b"<</Type/Catalog/Pages 5 0 R>>")
    obj(5, b"<</Type/Pages/Kids[6 0 R]/Count 1>>")
    obj(6, b"<</Type/Page/Parent 5 0 R/MediaBox[0 0 100 100]/Contents 7 0 R/Resources<</XObject<</F 10 0 R>>>>>>")
    obj(7, b"<<", b"/F Do")
    for n in range(10, 18):   # form n draws form n + 1 twenty times; the last fills a square
        last = n == 17
        obj(n, b"<</Type/XObject/Subtype/Form/BBox[0 0 1 1]" + (b"" if last else b"/Resources<</XObject<</F %d 0 R>>>>" % (n + 1)),
            b"0 0 1 1 re f" if last else b"/F Do " * 20)
    at[8] = len(out)
    rows = b"".join(bytes([1]) + at[n].to_bytes(4, "big") + bytes([0]) for n in (*range(4, 9), *range(10, 18)))
    out.extend(b"8 0 obj\n<</Type/XRef/Size 18/Root 4 0 R/Prev %d/Index[4 5 10 8]/W[1 4 1]/Length %d>>stream\n" % (first, len(rows))
               + rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % at[8])
    path.write_bytes(bytes(out))


def many_pages(path: Path) -> None:
    pdf = pikepdf.new()
    content = pdf.make_stream(b"0 0 m 1 1 l S")
    for _ in range(2500):
        pdf.pages.append(pikepdf.Page(Dictionary(Type=Name.Page, MediaBox=Array([0, 0, 600, 800]), Contents=content)))
    pdf.save(path)


def many_objects(path: Path) -> None:
    pdf = pikepdf.new()
    _page(pdf, b"0 0 m 1 1 l S\n" * 250_000)
    pdf.save(path, compress_streams=True)


def objects_in_a_form(path: Path) -> None:
    """The same 250,000 paths drawn by a form the page names once: counted where they are drawn."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    _page(pdf, b"/Fm0 Do", Fm0=_form(pdf, b"0 0 m 1 1 l S\n" * 250_000, font))
    pdf.save(path, compress_streams=True)


def zip_bomb(path: Path) -> None:
    """An xlsx whose sheet unpacks to 64 MB of blanks from a few dozen KB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (64 << 20))


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (1 << 30, 1 << 30))


def extract_limited(path: Path, timeout: float = 30) -> tuple[int, str, float, int]:
    """`finacct extract` under a 1 GB data limit: exit code, stderr, seconds, its peak RSS in MB."""
    t = time.monotonic()
    proc = subprocess.Popen(cli("extract", str(path)), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=limited, text=True)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - t > timeout:
            proc.kill()
            proc.wait()
            pytest.fail(f"{path.name}: still reading after {timeout} s")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, proc.stderr.read(), time.monotonic() - t, usage.ru_maxrss // 1024


@pytest.mark.parametrize(("make", "says"), [
    (self_drawing_form, "draws form XObjects within each other"), (fanned_out_forms, "draws form XObjects within each other"),
    (self_drawing_lzw_form, "draws form XObjects within each other"),
    (fanned_out_run_length_forms, "draws form XObjects within each other"),
    (form_drawing_from_page_resources, "draws form XObjects within each other"),
    (forms_behind_an_update, "draws form XObjects within each other"),
    (many_pages, "2500 pages"), (many_objects, "holds more than 200,000 objects"),
    (objects_in_a_form, "holds more than 200,000 objects"), (zip_bomb, "zip bomb"),
])
def test_hostile_files_are_refused_quickly_with_one_line(tmp_path: Path, make, says: str) -> None:
    path = tmp_path / f"{make.__name__}.{'xlsx' if make is zip_bomb else 'pdf'}"
    make(path)
    code, err, seconds, peak = extract_limited(path)
    assert code == 2 and says in err and "refused" in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert seconds < 15 and peak < 1024


def test_peeking_runs_in_the_workers_under_the_limits(tmp_path: Path) -> None:
    """The pairing pre-pass cannot take the batch down: a hostile file's peek fails in a
    worker (it gets no companions) while the parent stays small."""
    self_drawing_form(tmp_path / "hostile.pdf")
    (tmp_path / "gov.txt").write_text(TEXT, encoding="utf-8")
    before = psutil.Process().memory_info().rss
    with batch.LocalPool(2, 30, 2048) as pool:
        peeked = pool.peek([tmp_path / "hostile.pdf", tmp_path / "gov.txt"])
        workers = [psutil.Process(slot.proc.pid) for slot in pool.slots]
    assert peeked == {tmp_path / "hostile.pdf": None, tmp_path / "gov.txt": (DEPT, 2023, "final")}
    assert psutil.Process().memory_info().rss - before < 200 << 20
    assert not [w for w in workers if w.is_running()]           # the pool's workers are gone with it
