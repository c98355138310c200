"""Import a team's roster from an .xlsx file: every row is checked, then all or none is written."""

from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _

from lms import idcard, spreadsheets
from lms.errors import DomainError
from lms.models import Member, Team
from lms.scope import scope_for
from lms.services.members import member_create, member_update
from lms.spreadsheets import HEADERS, RowError

MAX_FILE_BYTES = 5 * 1024 * 1024
# The columns an import may change, in the order they are reported.
IMPORTED_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "phone",
    "id_number",
    "category",
    "joined_on",
    "skills",
)

_COLUMN_ORDER = {header: index for index, header in enumerate(HEADERS.values())}


class RowAction:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RowResult:
    row: int
    name: str
    id_number_masked: str
    action: str
    # Headers of the changed columns (for an update).
    changed: tuple[str, ...] = ()

    @property
    def action_label(self) -> str:
        return {
            RowAction.CREATED: _("新增"),
            RowAction.UPDATED: _("更新"),
            RowAction.UNCHANGED: _("无变化"),
        }[self.action]


@dataclass
class ImportReport:
    team: Team
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)

    def _count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self._count(RowAction.CREATED)

    @property
    def updated(self) -> int:
        return self._count(RowAction.UPDATED)

    @property
    def unchanged(self) -> int:
        return self._count(RowAction.UNCHANGED)


class _Abort(Exception):
    """Leaves the atomic block so that everything written in it is rolled back."""


def _read(file: BinaryIO | bytes) -> bytes:
    if isinstance(file, bytes):
        data = file
    else:
        size = getattr(file, "size", None)
        if size is not None and size > MAX_FILE_BYTES:
            raise DomainError(_too_big(), field="file")
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(_too_big(), field="file")
    return data


def _too_big() -> str:
    return _("文件超过 5 MB：请只保留花名册数据，或拆成几个文件分别导入。")


def _changes(member: Member, values: dict) -> dict:
    """The imported values that differ from the member's, normalized as the service would."""
    changes = {}
    for name in IMPORTED_FIELDS:
        if name not in values:
            continue  # an optional column left out or left empty keeps what is recorded
        if getattr(member, name) != values[name]:
            changes[name] = values[name]
    return changes


def _normalized(values: dict) -> dict:
    """Make values comparable with a stored member (the service normalizes the same way)."""
    values = dict(values)
    if "name" in values:
        values["name"] = values["name"].strip()
    if "id_number" in values:
        values["id_number"] = idcard.normalize(values["id_number"])
    if "phone" in values:
        phone = values["phone"].replace(" ", "").replace("-", "")
        values["phone"] = phone.removeprefix("+86")
    return values


def _error_for(row: int, exc: DomainError) -> RowError:
    return RowError(row, HEADERS.get(exc.field or "", ""), exc.message)


def roster_import(*, team: Team, file: BinaryIO | bytes, actor, dry_run: bool) -> ImportReport:
    """Import the roster in `file` into `team`, or raise DomainError listing every bad row.

    A member is matched by ID number within the team: new ones are created, changed ones
    updated, the rest left alone, so importing the same file twice changes nothing. Members
    missing from the file are not touched. With `dry_run` the same checks run and the report
    says what would change, but nothing is kept.
    """
    scope = scope_for(actor)
    if not scope.managed_teams().filter(pk=team.pk).exists():
        raise DomainError(_("您无权管理该队伍的花名册。"), field="team")
    rows = spreadsheets.read_roster(_read(file))

    errors: list[RowError] = [error for row in rows for error in row.errors]
    first_row_of: dict[str, int] = {}
    for row in rows:
        row.values = _normalized(row.values)
        number = row.values.get("id_number")
        if not number:
            continue
        if number in first_row_of:
            errors.append(
                RowError(
                    row.number,
                    HEADERS["id_number"],
                    _("与第 %(row)s 行的身份证号重复。") % {"row": first_row_of[number]},
                )
            )
            row.errors.append(errors[-1])
        else:
            first_row_of[number] = row.number

    report = ImportReport(team=team, dry_run=dry_run)
    try:
        with transaction.atomic():
            # Locked, so that an edit made meanwhile on another screen is not overwritten.
            registered = {
                m.id_number: m
                for m in Member.objects.with_id_numbers(first_row_of)
                .select_related("team")
                .select_for_update(of=("self",))
            }
            for row in rows:
                if row.errors:
                    continue
                existing = registered.get(row.values["id_number"])
                if existing is not None and existing.team_id != team.pk:
                    if scope.teams().filter(pk=existing.team_id).exists():
                        message = _("该身份证号已登记在队伍「%(team)s」，请先办理离队或调动。") % {
                            "team": existing.team.name
                        }
                    else:
                        message = _("该身份证号已在其他队伍登记，请先办理离队或调动。")
                    errors.append(RowError(row.number, HEADERS["id_number"], message))
                    continue
                try:
                    result = _apply(team, row, existing)
                except DomainError as exc:
                    errors.append(_error_for(row.number, exc))
                    continue
                report.rows.append(result)
            if errors or dry_run:
                raise _Abort
    except _Abort:
        pass

    if errors:
        errors.sort(key=lambda e: (e.row or 0, _COLUMN_ORDER.get(e.column, len(_COLUMN_ORDER))))
        bad_rows = len({e.row for e in errors})
        raise DomainError(
            _("有 %(count)s 行有误，整个文件未导入：请改正后重新上传。") % {"count": bad_rows},
            field="file",
            errors=errors,
        )
    return report


def _apply(team: Team, row: spreadsheets.RosterRow, existing: Member | None) -> RowResult:
    values = row.values
    if existing is None:
        member = member_create(team=team, **values)
        return RowResult(row.number, member.name, member.id_number_masked, RowAction.CREATED)
    changes = _changes(existing, values)
    if not changes:
        return RowResult(row.number, existing.name, existing.id_number_masked, RowAction.UNCHANGED)
    member = member_update(member=existing, **changes)
    return RowResult(
        row.number,
        member.name,
        member.id_number_masked,
        RowAction.UPDATED,
        tuple(HEADERS[name] for name in IMPORTED_FIELDS if name in changes),
    )
