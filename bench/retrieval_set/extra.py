"""Second phrasings: more questions for passages of the families, each naming its
document and a distinctive piece of the passage it asks for, and distractor documents
that no question asks about (an older model, an older release, another company's
policy) which look much like documents that are asked about."""
# ruff: noqa: E501 -- hand-written prose kept one fact per line, easier to edit than wrapped


from __future__ import annotations

from common import Doc

MORE_QUESTIONS = [
    ("brisa3-espresso-manual.md", "Code E4", "The coffee machine's pump hums but nothing comes out; what does the manual say?"),
    ("brisa3-espresso-manual.md", "free of charge for 24 months", "Who pays if my Brisa breaks in its second year?"),
    ("voltera-city-ebike-manual.md", "Code E07", "My bike's motor assistance cut out and the screen mentions a sensor fault; what is it?"),
    ("voltera-city-ebike-manual.md", "540 Wh", "What capacity is the Voltera's power pack?"),
    ("nimbus-ax3000-router-guide.md", "recessed reset pin", "What erases every node and the network name from the Nimbus system?"),
    ("nimbus-ax3000-router-guide.md", "10 cm of free space", "At what temperature does the mesh unit start slowing its wireless radios?"),
    ("thermia-t2-thermostat-manual.md", "OpenTherm link", "My heating only switches fully on or off now; what could the thermostat be telling me?"),
    ("thermia-t2-thermostat-manual.md", "24 V control line", "Where does the T2 get its power from?"),
    ("kestrel-mini-drone-manual.md", "31 minutes of hover", "How much does wind shorten the Kestrel's flight time?"),
    ("kestrel-mini-drone-manual.md", "fewer than eight", "How many GPS satellites does the little quadcopter need before it will launch?"),
    ("layerworks-p1-printer-manual.md", "isopropyl alcohol alone", "Why shouldn't I only wipe the printer bed with rubbing alcohol?"),
    ("layerworks-p1-printer-manual.md", "0.02 mm steps", "How is the paper test done when calibrating the printer's nozzle height?"),
    ("ledgerly-4.2-release-notes.md", "CAMT.053", "How are imported bank bookings linked to unpaid invoices?"),
    ("ledgerly-4.3-release-notes.md", "last working day", "Where does the bookkeeping software get the list of holidays for scheduled billing?"),
    ("ledgerly-4.4-release-notes.md", "dunning letters", "Which release stopped payment reminders being duplicated?"),
    ("ledgerly-4.5-release-notes.md", "80 percent", "At what share of a project's budget does Ledgerly warn the owner?"),
    ("ledgerly-5.0-release-notes.md", "PostgreSQL 15", "Will the 5.0 upgrade run on an older database server?"),
    ("ledgerly-5.0-release-notes.md", "Austria", "Can Ledgerly submit Austrian social insurance declarations?"),
    ("2026-01-21-billing-double-charge.md", "idempotency key", "What design flaw let a retried job charge customers again?"),
    ("2025-12-09-dns-incident.md", "Tomasz Wilk", "Who is responsible for automating the DNS key rollover?"),
    ("northwind-travel-policy.txt", "alcohol is never", "Can I claim wine with dinner on a Northwind business trip?"),
    ("aldermoor-travel-policy.txt", "travel desk", "Who books hotels for Aldermoor staff?"),
    ("quillfield-travel-policy.txt", "14 days ahead", "What happens when a Quillfield trip is booked at the last minute?"),
    ("brightwater-travel-policy.txt", "22:00 and 06:00", "Will Brightwater reimburse a taxi taken late at night?"),
    ("password-and-device-policy.txt", "four or more", "Are long phrases of random words acceptable as passwords?"),
    ("remote-work-policy.txt", "25 euros per month", "Does Harbor and Finch contribute to my broadband bill?"),
    ("2026-02-02-security-review.txt", "30 minutes", "How long will reset links stay usable after the next release?"),
    ("2026-01-19-facilities-meeting.txt", "2 to 13 March", "When will the third-floor kitchen be shut?"),
    ("sourdough-country-loaf.html", "cast iron pot", "What vessel is the country bread baked in?"),
    ("lentil-dal.html", "Simmer 250 g", "How long do the lentils cook until they break down?"),
    ("chicken-tagine.html", "Marinate", "How long should the chicken pieces sit in the spice mix?"),
    ("cold-brew-coffee.html", "16 to 18 hours", "Is the cold coffee left at room temperature while it steeps?"),
    ("course-intro-woodworking.html", "eight Tuesday", "How many sessions does the woodworking course have?"),
    ("ironclad-gym-faq.json", "doctor's note", "Do I pay the freeze fee if I am injured?"),
    ("riverside-library-faq.json", "renewed twice", "Can I extend a book loan if someone else has reserved it?"),
    ("citycycle-bikeshare-faq.json", "15 free minutes", "Do I get extra time when I have to ride on to another station?"),
    ("hive-coworking-faq.json", "around the clock", "Can flex members use the coworking space at weekends?"),
    ("greenpaw-vet-faq.json", "six monthly", "Is there interest on paying the clinic in instalments?"),
    ("harbour-festival-2026.json", "car parks", "Can I park near the quay during the harbour festival?"),
    ("hiking-trails.csv", "peregrine", "Why is a trail in the East Hills closed in spring?"),
    ("houseplant-care.csv", "fluoride", "Could my tap water be harming the calathea?"),
    ("software-licences.csv", "90 days", "Are MeetSpace recordings kept forever?"),
]

DISTRACTORS = {
    "brisa2-espresso-manual.md": (
        "# Brisa 2 espresso machine: owner's manual\n\n"
        "## Care and maintenance\n\nDescale the boiler every 12 weeks with two sachets of "
        "descaler; the Brisa 2 has no automatic reminder.\n\n"
        "## Indicator and error codes\n\nCode E4 on the Brisa 2 means the boiler sensor is "
        "disconnected; contact Caldera Home support.\n\n"
        "## Warranty\n\nThe Brisa 2 was covered for 12 months from purchase.\n"),
    "ledgerly-4.1-release-notes.md": (
        "# Ledgerly 4.1 release notes\n\nReleased December 2024.\n\n## Highlights\n\n"
        "- Invoices can be sent as e-invoices in the ZUGFeRD format.\n\n"
        "- Fixed: the VAT report showed reverse-charge sales twice.\n\n"
        "- Known issue: the SOAP export is slow for companies with many cost centres.\n"),
    "lakeside-travel-policy.txt": (
        "LAKESIDE MEDIA: BUSINESS TRAVEL AND EXPENSES\n\n"
        "1. Meals are reimbursed up to 40 euros per day; receipts are required.\n\n"
        "2. Flights are always economy class, whatever their length.\n\n"
        "3. Claims are submitted monthly through the expense app.\n"),
    "2026-01-26-product-weekly.txt": (
        "Meeting notes: Product weekly, 2026-01-26\nAttendees: Ana, Bilal, Dora\n\n"
        "* Offline mode: the sync conflict prototype was demoed; still too many edge cases.\n"
        "* Pricing review moved to 3 February, as planned.\n"),
}


def apply(docs: list[Doc]) -> list[Doc]:
    by_name = {doc.name: doc for doc in docs}
    for name, piece, question in MORE_QUESTIONS:
        matching = [qs for passage, qs in by_name[name].qa if piece in passage]
        assert len(matching) == 1, (name, piece)
        matching[0].append(question)
    return docs + [Doc(name, text) for name, text in DISTRACTORS.items()]
