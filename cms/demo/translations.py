"""English translations of demo pages: the home page, the article index and two articles.

They show the path a translator takes: the page's alias under /en/ becomes a real translation
(or a copy is made where no alias exists yet), gets English text, and is published. Zhuang is
left to translators: its tree stays aliases of the Chinese pages.
"""

from wagtail.models import Locale, Page

from cms.models import ArticleIndexPage, ArticlePage, HomePage
from cms.translation import page_translation_create

HOME = {
    "title": "Emergency Vanguard Academy",
    "intro": "Guangxi's community emergency response teams · training, drills and certification",
    "body": "<p>Learn what to do in an emergency, practise rescue skills, "
    "and look after your community.</p>",
}
ARTICLE_INDEX = {
    "title": "Preparedness",
    "intro": (
        "Floods, typhoons, landslides, earthquakes, fires and first aid: what everyone should know."
    ),
}
# By the slug of the Chinese article.
ARTICLES: dict[str, dict] = {
    "flood-safety": {
        "title": "Flood season is here: a guide to staying safe",
        "summary": (
            "Guangxi has many rivers, and the Xi, Yu and Liu river basins flood easily in the "
            "rainy season, while low-lying parts of towns are often waterlogged. This guide "
            "walks through three stages: getting ready before the floods, moving to safety "
            "when the water rises, and going home after it recedes."
        ),
        "tags": ["flood", "evacuation", "warnings"],
        "body": [
            ("heading", {"text": "Before the flood season", "level": "h2"}),
            (
                "paragraph",
                "<p>Guangxi's flood season usually runs from April to September, with most rain "
                "between May and August. People living by rivers, in valleys, in low-lying areas "
                "or near underground spaces should prepare early.</p>"
                "<ul><li>Follow the rainstorm and flood warnings of the weather and hydrology "
                "services, and watch for 12379 warning text messages and village or "
                "community announcements.</li>"
                "<li>Know the nearest high ground and shelter, and how your village or "
                "community will tell you to move.</li>"
                "<li>Put identity papers, cash and everyday medicines in a waterproof bag next "
                "to your emergency kit by the door.</li>"
                "<li>If you live on the ground floor or in a basement, move valuables and "
                "appliances up high in advance.</li></ul>",
            ),
            (
                "key_steps",
                {
                    "title": "When the flood comes",
                    "steps": [
                        "When told to move, or when the water rises fast, leave at once: "
                        "do not wait until water enters the house.",
                        "Switch off the electricity at the main switch and close the gas valve, "
                        "lock up and take your emergency kit.",
                        "Help older people, children, pregnant women and neighbours who cannot "
                        "move easily to leave with you.",
                        "Follow the agreed route to higher ground, away from rivers, bridges, "
                        "culverts and low-lying roads.",
                        "If you cannot get out, go to the upper floors or roof of a solid "
                        "building, signal with a torch, whistle or bright clothing, and call "
                        "110 or 119 to give your location.",
                        "Register with the staff at the shelter and do not go back into the "
                        "danger area without permission.",
                    ],
                },
            ),
            (
                "do_dont",
                {
                    "do": [
                        "Probe the ground with a stick when walking through water, to avoid "
                        "open manholes and holes.",
                        "Keep away from electricity poles, transformers and fallen wires.",
                        "When driving, stop and look before a flooded stretch; go round it "
                        "if you can.",
                        "Once you are safe, tell your family and your grid worker.",
                    ],
                    "dont": [
                        "Do not wade across fast-flowing water: water at knee height can knock "
                        "an adult over.",
                        "Do not watch the water, take photos or fish from bridges or embankments.",
                        "Do not drive into flooded underpasses or culverts.",
                        "Do not delay leaving to save belongings.",
                    ],
                },
            ),
            (
                "callout",
                {
                    "kind": "warning",
                    "title": "If your car is caught in floodwater",
                    "text": "<p>If the engine stalls in water, do not keep trying to restart "
                    "it. As the water rises, undo your seat belt and leave through a door or "
                    "window; if the doors will not open, strike a corner of a side window hard "
                    "with a safety hammer or the metal rods of the headrest.</p>",
                },
            ),
            ("heading", {"text": "After the water recedes", "level": "h2"}),
            (
                "paragraph",
                "<p>Receding water does not mean the danger is over. Go home only when the "
                "evacuation order has been lifted; check walls and foundations for cracks or "
                "subsidence before going in, and <b>have appliances and wiring checked before "
                "switching the power back on</b>. Do not eat food that has been in floodwater, "
                "boil drinking water until the mains supply is restored, and clean and "
                "disinfect wells before use.</p>",
            ),
            (
                "callout",
                {
                    "kind": "info",
                    "title": "Warnings and help lines",
                    "text": "<p>Follow the official announcements of the local weather, water "
                    "and emergency management authorities and the national 12379 warning "
                    "messages. Call 110 or 119 in danger, and 12345 for advice and help.</p>",
                },
            ),
        ],
    },
    "typhoon-safety": {
        "title": "Typhoons on the Beibu Gulf: keeping your family safe",
        "summary": (
            "Every summer and autumn, typhoons make landfall on the Beibu Gulf coast or bring "
            "gales, heavy rain and storm surges to Guangxi. Know the warning signals, secure "
            "doors and windows, stock up in advance, and stay inside a solid building while "
            "the typhoon passes."
        ),
        "tags": ["typhoon", "warnings", "family preparedness"],
        "body": [
            ("heading", {"text": "Know the typhoon warning signals", "level": "h2"}),
            (
                "paragraph",
                "<p>Typhoon warnings come in four levels, from blue to yellow, orange and red. "
                "Coastal cities such as Beihai, Qinzhou and Fangchenggang are hit first, but "
                "inland cities like Nanning, Yulin and Guigang often get strong winds and heavy "
                "rain too. At blue, take precautions; from yellow, go out as little as possible; "
                "at orange and red, stay inside a solid building and follow the government's "
                "instructions on closing schools, workplaces and shops.</p>",
            ),
            (
                "key_steps",
                {
                    "title": "Before the typhoon",
                    "steps": [
                        "Check and close doors and windows; draw curtains over large windows "
                        "and keep away from the glass.",
                        "Bring in flowerpots, clothes racks and anything on balconies, sills "
                        "and roofs that the wind could throw.",
                        "Clear the drains of balconies, terraces and roofs.",
                        "Store water, food and medicines for at least three days, and charge "
                        "phones, power banks and emergency lights.",
                        "Fishing boats return to port as instructed; fish farmers come ashore.",
                        "People in work sheds, unsafe houses, low-lying areas and by the sea "
                        "move out in advance as arranged.",
                    ],
                },
            ),
            ("heading", {"text": "While the typhoon passes", "level": "h2"}),
            (
                "paragraph",
                "<p>The safest place is inside a solid building, away from windows. If the wind "
                "and rain suddenly ease or stop, the eye of the typhoon is probably passing: "
                "<b>violent wind and rain will return from the opposite direction</b>, so do "
                "not go outside thinking it is over. In a power cut, use torches or emergency "
                "lights rather than candles.</p>",
            ),
            (
                "do_dont",
                {
                    "do": [
                        "Stay indoors and follow official updates on the typhoon's track.",
                        "If you must go out, walk bent over and hold on to something solid.",
                        "If caught outside in strong wind, shelter in a solid building.",
                        "Keep away from fallen power lines and call 95598 or 110.",
                    ],
                    "dont": [
                        "Do not go to the sea or river banks to watch the waves, take photos "
                        "or swim.",
                        "Do not shelter under billboards, trees, temporary buildings or cranes.",
                        "Do not go out to sea or fish in rivers during a typhoon.",
                        "Do not ride an electric bike or motorbike in strong wind.",
                    ],
                },
            ),
            (
                "callout",
                {
                    "kind": "danger",
                    "title": "Beware of storm surges",
                    "text": "<p>A typhoon landing on the Beibu Gulf often brings a storm surge "
                    "that can overtop sea walls and flood the coast within a short time. "
                    "Coastal residents must follow evacuation orders and not return to "
                    "seaside homes, fish farms or piers until the all-clear.</p>",
                },
            ),
            ("heading", {"text": "After the typhoon", "level": "h2"}),
            (
                "paragraph",
                "<p>Rain often continues after a typhoon weakens: watch for flash floods and "
                "landslides in the hills and for flooding along rivers. Avoid fallen trees, "
                "loose signs and flooded roads, and do not touch hanging wires. Check your house, "
                "balcony and roof for damage and report hazards to your community; appliances "
                "that have been under water must be checked before use. Call 12345 for "
                "help.</p>",
            ),
        ],
    },
}


def seed(stdout) -> None:
    """Translate the demo pages into English; pages translated before are left as they are."""
    english = Locale.objects.get(language_code="en")
    home = HomePage.objects.get(depth=2, locale=Locale.get_default())
    index = ArticleIndexPage.objects.child_of(home).get(slug="articles")
    translated = [_translate(home, english, HOME), _translate(index, english, ARTICLE_INDEX)]
    for slug, fields in ARTICLES.items():
        article = ArticlePage.objects.child_of(index).get(slug=slug)
        translated.append(_translate(article, english, fields))
    done = sum(1 for page in translated if page is not None)
    stdout.write(f"  英文翻译：首页、科普栏目和 {len(ARTICLES)} 篇文章（本次新译 {done} 个页面）")


def _translate(source: Page, locale: Locale, fields: dict) -> Page | None:
    """Publish the English version of `source`; None if it was translated already."""
    existing = source.get_translation_or_none(locale)
    if existing is not None and not existing.alias_of_id:
        return None
    page = page_translation_create(source, locale)
    fields = dict(fields)
    tags = fields.pop("tags", None)
    for name, value in fields.items():
        setattr(page, name, value)
    if tags is not None:
        page.tags.set(tags)
    page.save_revision().publish()
    return page
