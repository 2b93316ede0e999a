"""CSV documents: small tables as offices and clubs keep them, each row with a free-text
column that carries the facts asked about."""
# ruff: noqa: E501 -- hand-written prose kept one fact per line, easier to edit than wrapped


from __future__ import annotations

import csv
import io

from common import Doc

TABLES = [
    ("hiking-trails.csv", ["trail", "region", "length_km", "ascent_m", "notes"], [
        (["Falcon Ridge Loop", "North Valley", "14.2", "860"],
         "Exposed scramble on the summit ridge secured with fixed chains; not for dogs",
         ["Which route has a section protected by chains where pets can't go?"]),
        (["Millbrook Waterfalls", "North Valley", "6.5", "210"],
         "Suitable for pushchairs as far as the second waterfall; the café at the car park "
         "closes in winter",
         ["Is there an easy walk I can do with a baby buggy?"]),
        (["Old Quarry Path", "East Hills", "9.8", "340"],
         "Closed from March to June during the peregrine nesting season",
         ["When is the trail through the former stone pit shut, and why?"]),
        (["Lantern Lakes Circuit", "West Moors", "21.0", "620"],
         "Boggy after rain; gaiters recommended and the boardwalk near the third lake is "
         "being rebuilt",
         ["Which long hike gets muddy and has its wooden walkway under repair?"]),
    ]),
    ("hotel-room-types.csv", ["room", "size_m2", "beds", "rate_eur", "notes"], [
        (["Garden Double", "22", "1 double", "129"],
         "Ground floor with a private terrace; the only room type where pets are allowed",
         ["Which rooms at the hotel accept guests travelling with a dog?"]),
        (["Tower Suite", "48", "1 king + sofa bed", "310"],
         "Top floor with a view over the bay; reached by stairs only, no lift access",
         ["Can I get to the suite with the sea view using an elevator?"]),
        (["Family Room", "35", "1 double + 2 singles", "185"],
         "Connecting door to a Standard Twin available on request; cots are free",
         ["Is there a room that can link to a second room for a large family?"]),
        (["Standard Twin", "18", "2 singles", "99"],
         "Faces the inner courtyard and is the quietest option; no bathtub, walk-in shower only",
         ["Which is the least noisy room type and does it have a bath?"]),
    ]),
    ("spare-parts-catalogue.csv", ["part_no", "name", "fits", "price_eur", "description"], [
        (["BR3-114", "Group head gasket", "Brisa 2, Brisa 3", "8.90"],
         "Replace yearly or when water leaks around the portafilter during extraction",
         ["Which espresso spare part fixes water escaping around the handle while brewing?"]),
        (["VC-220", "Brake pad set", "Voltera City", "24.50"],
         "Organic compound for quiet braking; wears faster in wet and hilly terrain",
         ["Why might my e-bike's stopping pads wear out quickly?"]),
        (["LW-P1-N04", "Hardened steel nozzle 0.4 mm", "Layerworks P1", "19.00"],
         "Required for abrasive filaments such as carbon-fibre or glow-in-the-dark PLA",
         ["Which nozzle do I need for printing with carbon-filled material?"]),
        (["KM-PR-2", "Propeller pair", "Kestrel Mini", "11.50"],
         "Sold as one clockwise and one counter-clockwise blade, marked A and B",
         ["Are the drone props sold singly or in a set?"]),
    ]),
    ("houseplant-care.csv", ["plant", "light", "water", "notes"], [
        (["Fiddle-leaf fig", "bright indirect", "weekly"],
         "Drops leaves when moved; rotate it a quarter turn each month instead of relocating",
         ["My large-leaved fig tree shed leaves after I carried it to another room. Why?"]),
        (["Snake plant", "low to bright", "every 3 weeks"],
         "Rots quickly when overwatered; let the soil dry out completely between waterings",
         ["How dry should the sansevieria get before I water it again?"]),
        (["Calathea", "medium indirect", "keep moist"],
         "Brown leaf edges usually mean tap water with too much fluoride or air that is too dry",
         ["What makes the prayer plant's leaf tips turn crispy and brown?"]),
        (["Pothos", "low to medium", "weekly"],
         "Cuttings root in a glass of water within two to three weeks; toxic to cats",
         ["Can I propagate the devil's ivy in water, and is it safe around my cat?"]),
    ]),
    ("software-licences.csv", ["product", "seats", "renewal", "owner", "notes"], [
        (["DesignDeck", "25", "2026-04-01", "Marketing"],
         "Seats not used for 60 days are reclaimed automatically and given to the waiting list",
         ["What happens to a design tool licence that nobody logs into for two months?"]),
        (["CodeVault Enterprise", "140", "2026-09-15", "Engineering"],
         "Contract includes single sign-on and audit logs; price is fixed until the 2027 renewal",
         ["Will the cost of the source hosting platform rise before 2027?"]),
        (["MeetSpace", "unlimited", "2026-06-30", "IT"],
         "Recordings are deleted automatically after 90 days to comply with the retention policy",
         ["How long are video call recordings kept?"]),
        (["SignFlow", "10", "2026-02-28", "Legal"],
         "Only the legal team may send documents for e-signature; others request it through a ticket",
         ["Who is allowed to send contracts out for electronic signing?"]),
    ]),
    ("meeting-rooms.csv", ["room", "floor", "capacity", "equipment"], [
        (["Atlas", "2", "12"],
         "Ceiling microphones and two screens; booked for the board every Monday morning",
         ["Which big room is unavailable at the start of each week?"]),
        (["Beacon", "3", "4"],
         "Whiteboard wall, no video equipment; ideal for brainstorming",
         ["Is there a small room with a whiteboard but no conferencing setup?"]),
        (["Compass", "1", "30"],
         "Training room with movable tables and a projector; catering can be ordered through reception",
         ["Where can we hold a workshop for thirty people with food?"]),
    ]),
]


def table(file: str, columns: list[str], rows) -> Doc:
    doc = Doc(file)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for cells, note, questions in rows:
        writer.writerow([*cells, doc.ask(note, *questions)])
    doc.text = out.getvalue()
    return doc


def documents() -> list[Doc]:
    return [table(*t) for t in TABLES]
