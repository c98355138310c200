"""Certificates end to end: bulk issuance and one on demand, against a bare WeasyPrint render.

In a throwaway site (SQLite database, media and private media in a temporary directory, or a
PostgreSQL scratch database through BENCH_DATABASE_URL; removed afterwards) this migrates and
writes its own data: a course, a certificate template with a seal image, a team of --n members
who completed the course, and --on-demand members of a second team. Then, in this one process
(single-threaded, so figures per core are the overall figures):

1. Baseline: the same certificate HTML rendered by WeasyPrint alone (`HTML(string).write_pdf()`,
   nothing shared between renders): one certificate at a time, and 20 laid out in one document.
2. Bulk issuance end to end through `certificate_job_run` (records, serials, verification codes,
   QR codes, PDFs laid out 20 to a document and split, storage, history): certificates per
   second, by wall clock and by the process's CPU time.
3. On demand: `certificate_issue` + `certificate_render` for one member, the median of
   --on-demand runs.
4. With a signing key (a throwaway self-signed key; skip with --no-sign): bulk issuance of
   another team, each PDF signed with pyHanko.

Aims (issue 6): bulk issuance at 25 or more certificates per second per core (close to the
batched layout); one on-demand certificate in under 0.3 s. Falling short is reported (BELOW),
not a failure; the exit code is non-zero only when the benchmark cannot run or a certificate
lacks its file.

    .venv/bin/python bench/certificates.py [--n 200] [--on-demand 10] [--no-sign] [--keep-temp]
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    INHERITED_ENV_DROPPED,
    BenchError,
    Workspace,
    format_table,
    machine_note,
    ms,
    run,
    write_json,
)

AIM_RATE = 25.0  # certificates per second per core, bulk
AIM_ON_DEMAND = 0.3  # seconds for one certificate on demand
BATCH = 20  # certificates laid out per document (as certificate_job_run does)
SINGLE_REPEAT = 10  # bare single renders timed
BATCH_REPEAT = 3  # bare 20-page renders timed
# The developer's signing key must not sign (or slow) the unsigned figures.
DROPPED = INHERITED_ENV_DROPPED | {"CERTIFICATE_SIGNING_KEY", "CERTIFICATE_SIGNING_PASSPHRASE"}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="members issued in bulk")
    parser.add_argument("--on-demand", type=int, default=10, help="on-demand issuances timed")
    parser.add_argument(
        "--no-sign", dest="sign", action="store_false", help="skip the signed bulk run"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary site")
    args = parser.parse_args()
    if args.n < 1 or args.on_demand < 1:
        parser.error("--n and --on-demand must be at least 1")
    began = time.perf_counter()
    machine = machine_note()
    print(f"machine: {machine}", flush=True)
    with Workspace("certificates", settings="cms.settings.dev", keep=args.keep_temp) as site:
        print(f"site: {site.describe()}", flush=True)
        for name in DROPPED:
            os.environ.pop(name, None)
        os.environ.update(site.env)  # cms.settings.dev, DEBUG=false, the scratch database
        os.environ["PRIVATE_MEDIA_ROOT"] = str(site.path / "private-media")
        try:
            figures = _measure(args, site.path)
        finally:
            _close_connections()

    _report(figures, args)
    print(f"total {time.perf_counter() - began:.0f} s")
    if args.json:
        write_json(
            args.json,
            {
                "benchmark": "certificates",
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "machine": machine,
                "database": figures["database"],
                "n": args.n,
                **{k: v for k, v in figures.items() if k != "database"},
            },
        )
    return 0


# --- inside the site: Django is imported only after the workspace's environment is set ----


def _measure(args, workspace: Path) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    setup = {"migrate": time.perf_counter() - started}
    started = time.perf_counter()
    data = _seed(args.n, args.on_demand, args.sign)
    setup["data"] = time.perf_counter() - started
    print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in setup.items()), flush=True)
    print(
        f"data: {args.n} members completed 「{data['course'].title}」; template "
        f"「{data['template'].name}」 ({data['template'].layout}, with a seal image)",
        flush=True,
    )

    figures = {"database": connection.vendor}
    figures["bare"] = _bare(data)
    print(
        f"bare WeasyPrint: {ms(figures['bare']['single']['wall'] * 1000)} ms one at a time, "
        f"{ms(figures['bare']['batched']['wall'] * 1000)} ms each laid out {BATCH} to a document",
        flush=True,
    )
    figures["bulk"] = _bulk(data, data["bulk_team"], args.n)
    print(f"bulk: {args.n} certificates in {figures['bulk']['wall'] * args.n:.1f} s", flush=True)
    figures["on_demand"] = _on_demand(data)
    print(f"on demand: median {ms(figures['on_demand']['wall'] * 1000)} ms", flush=True)
    if args.sign:
        key = workspace / "signing.p12"
        call_command(
            "certificate_signing_key",
            out=str(key),
            passphrase="bench",
            name="基准测试签名",
            stdout=io.StringIO(),
        )
        from django.test import override_settings

        with override_settings(
            CERTIFICATE_SIGNING_KEY=str(key), CERTIFICATE_SIGNING_PASSPHRASE="bench"
        ):
            figures["bulk_signed"] = _bulk(data, data["signed_team"], args.n, signed=True)
        print(
            f"bulk, signed: {args.n} certificates in "
            f"{figures['bulk_signed']['wall'] * args.n:.1f} s",
            flush=True,
        )
    return figures


def _seed(n: int, on_demand: int, signed: bool) -> dict:
    """Areas, teams, members who completed the course, a template with a seal, an admin."""
    import datetime
    import io
    import random

    from django.contrib.auth import get_user_model
    from django.core.files.images import ImageFile
    from django.utils import timezone

    from wagtail.images import get_image_model
    from wagtail.models import Page

    from PIL import Image, ImageDraw

    from courses.models import CourseIndexPage, CoursePage
    from lms import idcard, pinyin
    from lms.management.commands.seed_scale import FEMALE_NAMES, MALE_NAMES, SURNAMES
    from lms.models import (
        CertificateTemplate,
        Enrollment,
        EnrollmentSource,
        EnrollmentStatus,
        Member,
        MemberCategory,
        TeamStatus,
    )
    from lms.services.areas import area_create
    from lms.services.teams import team_create

    seal = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    draw.ellipse((12, 12, 588, 588), outline=(200, 20, 20, 230), width=22)
    draw.regular_polygon((300, 300, 110), 5, fill=(200, 20, 20, 230))
    buffer = io.BytesIO()
    seal.save(buffer, "PNG")
    template = CertificateTemplate.objects.create(
        name="基准测试模板",
        is_default=True,
        issuing_organisation="基准测试自治区应急管理厅",
        signatories="自治区应急管理厅培训中心主任 韦明\n基准区应急管理局局长 黄立",
        seal=get_image_model().objects.create(
            title="基准测试印章", file=ImageFile(buffer, name="bench-seal.png")
        ),
    )
    catalog = Page.get_first_root_node().add_child(
        instance=CourseIndexPage(title="培训课程", slug="courses")
    )
    course = catalog.add_child(
        instance=CoursePage(
            title="社区应急救护基础",
            slug="first-aid",
            code="BENCH-101",
            hazard_category="first_aid",
            summary="止血、包扎、心肺复苏。",
            objectives="<ul><li>掌握现场止血</li></ul>",
            credit_hours=24,
            certificate_validity_months=36,
            certificate_template=template,
        )
    )
    region = area_create(name="基准测试自治区", code="990000")
    city = area_create(parent=region, name="基准市", code="990100")
    county = area_create(parent=city, name="基准区", code="990101")
    township = area_create(parent=county, name="基准街道", code="990101001")

    rng = random.Random(1)
    born = datetime.date(1985, 6, 15)
    serial = iter(range(1, 10**7))
    now = timezone.now()

    def team(number: int, size: int):
        community = area_create(
            parent=township, name=f"基准社区{number}", code=f"990101001{number:03d}"
        )
        team = team_create(
            community=community, name=f"基准社区{number}应急响应队", status=TeamStatus.ACTIVE
        )
        members = []
        for _ in range(size):
            index = next(serial)
            female = index % 2 == 0
            name = rng.choice(SURNAMES) + rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            # 17 digits: area, birth date, sequence; a new birth date every 900 members.
            birth = born + datetime.timedelta(days=index // 900)
            first17 = f"990101{birth:%Y%m%d}{index % 900 + 1:03d}"
            members.append(
                Member(
                    team=team,
                    name=name,
                    name_pinyin=pinyin.sort_key(name),
                    gender="F" if female else "M",
                    birth_date=birth,
                    phone=f"139{index:08d}",
                    id_number=first17 + idcard.check_char(first17),
                    category=MemberCategory.VOLUNTEER,
                )
            )
        members = Member.objects.bulk_create(members, batch_size=1000)
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    member=member,
                    course=course,
                    source=EnrollmentSource.SELF,
                    status=EnrollmentStatus.COMPLETED,
                    completed_at=now,
                )
                for member in members
            ],
            batch_size=1000,
        )
        return team, list(Member.objects.filter(team=team).order_by("pk"))

    bulk_team, _members = team(1, n)
    _team, on_demand_members = team(2, on_demand + 1)  # one more: the warm-up
    signed_team = team(3, n)[0] if signed else None
    admin = get_user_model().objects.create(username="bench-admin", is_superuser=True)
    return {
        "course": course,
        "template": template,
        "bulk_team": bulk_team,
        "signed_team": signed_team,
        "on_demand_members": on_demand_members,
        "admin": admin,
    }


def _bare(data: dict) -> dict:
    """WeasyPrint alone on the certificates' HTML: nothing shared between renders."""
    import datetime

    from django.utils import timezone

    from weasyprint import HTML

    from lms.models import Certificate
    from lms.services.certificate_pdf import certificate_html

    # Certificates as issuance would write them, not saved: only their HTML is needed.
    members = data["on_demand_members"]
    today = timezone.localdate()
    certificates = [
        Certificate(
            member=members[i % len(members)],
            course=data["course"],
            serial=f"GX-{today.year}-990101-{900000 + i:06d}",
            source="bulk",
            issued_on=today,
            expires_on=today + datetime.timedelta(days=3 * 365),
            completed_on=today,
            holder_name=members[i % len(members)].name,
            course_title=data["course"].title,
            credit_hours=data["course"].credit_hours,
            issuing_organisation=data["template"].issuing_organisation,
            county_code="990101",
            template=data["template"],
        )
        for i in range(BATCH)
    ]
    single_html = certificate_html(certificates[:1])
    batch_html = certificate_html(certificates)
    HTML(string=single_html).write_pdf()  # warm-up: fonts found, Pango loaded
    single = _median_of([_timed(HTML(string=single_html).write_pdf) for _ in range(SINGLE_REPEAT)])
    batched = _median_of(
        [_timed(HTML(string=batch_html).write_pdf, per=BATCH) for _ in range(BATCH_REPEAT)]
    )
    return {"single": single, "batched": batched}


def _bulk(data: dict, team, n: int, *, signed: bool = False) -> dict:
    """A bulk job for `team`, timed end to end through certificate_job_run."""
    import hashlib
    import io

    from pypdf import PdfReader

    from lms.models import Certificate, CertificateJob
    from lms.services.certificates import certificate_job_run

    job = CertificateJob.objects.create(
        course=data["course"], team=team, created_by=data["admin"], total=n
    )
    timing = _timed(lambda: certificate_job_run(job=job), per=n)
    job.refresh_from_db()

    certificates = list(Certificate.objects.filter(member__team=team))
    if job.issued != n or len(certificates) != n:
        raise BenchError(f"the job issued {job.issued} certificates of {n}")
    missing = [c.serial for c in certificates if not c.pdf]
    if missing:
        raise BenchError(f"{len(missing)} certificates have no file, e.g. {missing[0]}")
    if any(c.pdf_signed != signed for c in certificates):
        raise BenchError(f"certificates not {'signed' if signed else 'unsigned'} as expected")
    for certificate in (certificates[0], certificates[-1]):
        with certificate.pdf.open("rb") as handle:
            content = handle.read()
        if hashlib.sha256(content).hexdigest() != certificate.pdf_sha256:
            raise BenchError(f"{certificate.serial}: stored SHA-256 does not match the file")
        text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
        if certificate.holder_name not in text.replace(" ", ""):
            raise BenchError(f"{certificate.serial}: the holder's name is not in the PDF")
    sizes = [c.pdf.size for c in certificates]
    return {**timing, "size_mean": statistics.mean(sizes)}


def _on_demand(data: dict) -> dict:
    """certificate_issue + certificate_render for one member at a time."""
    from lms.models import CertificateSource
    from lms.services.certificate_pdf import certificate_render
    from lms.services.certificates import certificate_issue

    def once(member) -> None:
        certificate = certificate_issue(
            member=member,
            course=data["course"],
            source=CertificateSource.MANUAL,
            by=data["admin"],
            render=False,
        )
        if not certificate_render(certificate).pdf:
            raise BenchError(f"{certificate.serial}: rendered on demand but no file stored")

    members = data["on_demand_members"]
    once(members[0])  # warm-up (the process has rendered before; this is for the ORM paths)
    runs = [_timed(lambda member=member: once(member)) for member in members[1:]]
    return {
        **_median_of(runs),
        "slowest": max(run["wall"] for run in runs),
        "runs": len(runs),
    }


def _timed(function, *, per: int = 1) -> dict:
    """Wall-clock and CPU seconds of one call, divided by `per` (items it handled)."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall": wall / per, "cpu": cpu / per}


def _median_of(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in ("wall", "cpu")}


def _close_connections() -> None:
    """Before the workspace drops a PostgreSQL scratch database."""
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()


# --- the report ------------------------------------------------------------------------------


def _report(figures: dict, args) -> None:
    bare, bulk, on_demand = figures["bare"], figures["bulk"], figures["on_demand"]

    def row(label: str, timing: dict) -> list[str]:
        return [
            label,
            ms(timing["wall"] * 1000),
            ms(timing["cpu"] * 1000),
            f"{1 / timing['wall']:.1f}",
            f"{1 / timing['cpu']:.1f}" if timing["cpu"] else "—",
        ]

    rows = [
        row("bare WeasyPrint, one at a time", bare["single"]),
        row(f"bare WeasyPrint, {BATCH} in one document", bare["batched"]),
        row("bulk issuance (certificate_job_run)", bulk),
    ]
    if "bulk_signed" in figures:
        rows.append(row("bulk issuance, signed (pyHanko PAdES)", figures["bulk_signed"]))
    rows.append(row(f"on demand: issue + render (median of {on_demand['runs']})", on_demand))
    print()
    print(
        f"{args.n} certificates in bulk; {figures['database']} database; one process on one "
        "core (per core = overall; CPU seconds are what the process itself used)"
    )
    headers = ["path", "ms/cert", "CPU ms/cert", "cert/s", "cert/s per core (CPU)"]
    print(format_table(headers, rows))
    signed_size = figures.get("bulk_signed", {}).get("size_mean")
    print(
        f"file size: {bulk['size_mean'] / 1024:.0f} KB on average"
        + (f" ({signed_size / 1024:.0f} KB signed)" if signed_size else "")
    )
    print()
    for label, ours, theirs in (
        ("bulk issuance / bare batched layout", bulk, bare["batched"]),
        ("on demand / bare single render", on_demand, bare["single"]),
    ):
        print(
            f"ratio: {label} = {ours['wall'] / theirs['wall']:.2f}× wall clock, "
            f"{ours['cpu'] / theirs['cpu']:.2f}× CPU"
        )
    per_core = 1 / bulk["cpu"] if bulk["cpu"] else 0.0
    verdict = "PASS" if per_core >= AIM_RATE else "BELOW"
    print(
        f"aim: bulk issuance ≥ {AIM_RATE:g}/s per core — {per_core:.1f}/s per CPU-second "
        f"({1 / bulk['wall']:.1f}/s wall clock) {verdict}"
    )
    verdict = "PASS" if on_demand["wall"] < AIM_ON_DEMAND else "BELOW"
    print(
        f"aim: one certificate on demand < {AIM_ON_DEMAND:g} s — {on_demand['wall']:.3f} s "
        f"median (slowest {on_demand['slowest']:.3f} s) {verdict}"
    )


if __name__ == "__main__":
    run(main)
