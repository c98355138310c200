"""The public top-ten pages: /top-ten/ (the latest year's region list), /top-ten/<year>/
(that year's), /top-ten/<year>/<city code>/ (a city's).

Everything shown was frozen when the list was announced (ranks, scores, figures, formula),
except the links to the teams' pages and stories, which are live. No member is named.
"""

from django.http import Http404

from lms.selectors.ranking import EXCLUSIONS
from publicity.selectors import topten as selectors

TEMPLATE = "publicity/top_ten_index_page.html"


def top_ten(request, page, *, year=None, code=None):
    years = selectors.announced_years()
    if year is None:
        year = years[0] if years else None
    elif year not in years:
        raise Http404
    region = selectors.region()
    cities = selectors.city_selections(year) if year is not None else []
    if code is None:
        area = region
    else:
        area = selectors.city_with_selection(year, code)
        if area is None:
            raise Http404
    selection = selectors.top_ten_selection(year, area) if year is not None else None
    base = page.get_url(request)
    context = {
        "years": years,
        "year": year,
        "region": region,
        "area": area,
        "is_city": code is not None,
        "selection": selection,
        "rows": selectors.top_ten_rows(selection) if selection else [],
        "cities": cities,
        "exclusions": EXCLUSIONS,
        "index_url": base,
        "year_url": base + page.reverse_subpage("year", args=[year]) if year else None,
        "year_links": [(y, base + page.reverse_subpage("year", args=[y])) for y in years],
        "city_links": [
            (s.area, base + page.reverse_subpage("area", args=[year, s.area.code])) for s in cities
        ],
    }
    return page.render(request, template=TEMPLATE, context_overrides=context)
