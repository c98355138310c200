"""Demo data: the region's top ten of the latest ranked year, announced (once)."""

from django.contrib.auth import get_user_model

from lms.models import Area, AreaLevel
from lms.selectors.ranking import ranking_years, top_teams

from ..errors import DomainError
from ..models import TopTenSelection
from ..services.topten import top_ten_announce


def seed(stdout, **sections) -> None:
    region = Area.objects.filter(depth=AreaLevel.REGION).first()
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if region is None or admin is None:
        stdout.write("  十佳评选：缺少自治区或系统管理员账号，跳过")
        return
    years = [year for year in ranking_years() if top_teams(year, region, limit=1)]
    if not years:
        stdout.write("  十佳评选：尚无参加排名的队伍（须达标且服务时长均已核实），跳过")
        return
    year = years[0]
    existing = TopTenSelection.objects.filter(year=year, area=region).first()
    if existing is not None:
        stdout.write(
            f"  十佳评选：{year} 年度全区十佳已公布（{existing.entries.count()} 支），跳过"
        )
        return
    try:
        selection = top_ten_announce(
            year=year, area=region, user=admin, note="演示数据：按公布时的达标评估结果排名。"
        )
    except DomainError as error:
        stdout.write(f"  十佳评选：未公布（{error.message}）")
        return
    stdout.write(f"  十佳评选：公布 {year} 年度全区十佳，{selection.entries.count()} 支队伍")
