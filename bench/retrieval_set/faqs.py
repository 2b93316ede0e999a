"""JSON documents: FAQ exports of five fictional services (a list of question/answer
entries, as help-centre tools export them) and event programmes."""
# ruff: noqa: E501 -- hand-written prose kept one fact per line, easier to edit than wrapped


from __future__ import annotations

import json

from common import Doc

FAQS = [
    ("ironclad-gym-faq.json", "Ironclad Fitness", [
        ("Can I pause my membership?", "Memberships can be frozen for one to three months per "
         "year for a fee of 5 euros per month, for example during travel or after an injury "
         "with a doctor's note the freeze is free.",
         ["Is it possible to put my gym contract on hold, and does it cost anything?"]),
        ("How do I cancel?", "The contract runs for 12 months and then renews monthly; after "
         "the first year it can be ended with four weeks' notice in the app.",
         ["What notice period applies when quitting the fitness club?"]),
        ("May I bring a friend?", "Each member may bring one guest per month for free; the "
         "guest must be 18 or older and show an ID at the desk.",
         ["Can a buddy train with me without paying?"]),
        ("When is the sauna open?", "The sauna area is open from 14:00 until closing on "
         "weekdays and all day at weekends; Tuesday is reserved for women.",
         ["On which day is the steam room only for female members?"]),
    ]),
    ("riverside-library-faq.json", "Riverside Public Library", [
        ("How long can I keep books?", "Books are lent for three weeks and can be renewed "
         "twice online unless another reader has reserved them.",
         ["What is the loan period at the library and how many extensions are allowed?"]),
        ("What happens if I return something late?", "Late returns cost 20 cents per item "
         "per day, up to a maximum of 6 euros per item; children's books are fee-free.",
         ["Are there overdue fines on kids' titles?"]),
        ("Can I borrow e-books?", "Yes: with your library card number and PIN you can borrow "
         "up to five e-books at a time through the Libby app for 14 days each.",
         ["How many digital titles can I check out on my phone at once?"]),
        ("Do you have study rooms?", "Four quiet rooms on the second floor can be booked for "
         "up to three hours per day, at most one week in advance.",
         ["How far ahead can I reserve a silent room for studying?"]),
    ]),
    ("citycycle-bikeshare-faq.json", "CityCycle bike share", [
        ("How much does a ride cost?", "The first 30 minutes of every ride are included in "
         "the annual pass; each further half hour costs 1 euro.",
         ["With a yearly subscription, when do I start paying extra per trip?"]),
        ("What if the dock is full?", "If the station is full, the app shows the nearest one "
         "with free docks and adds 15 free minutes to your ride.",
         ["I can't park my rental bike because every slot is taken. What now?"]),
        ("What if I have a flat tyre?", "Press the wrench button on the dock after returning "
         "the bike; it is then locked for repair and you are not charged for the ride.",
         ["How do I report a damaged bicycle so nobody else takes it?"]),
        ("Can children ride?", "Riders must be at least 16 years old; the bikes are sized for "
         "heights between 1.55 and 1.95 metres.",
         ["What is the minimum age for the shared bikes?"]),
    ]),
    ("hive-coworking-faq.json", "The Hive coworking", [
        ("Can I receive mail at the Hive?", "Resident members can use the Hive as their "
         "business address; parcels are held at reception for up to ten days.",
         ["Can the shared office be my company's registered address, and how long are packages kept?"]),
        ("Are meeting rooms included?", "Flex members get four hours of meeting room time per "
         "month; extra hours cost 12 euros and are booked in the member portal.",
         ["How much conference room time comes with a flexible desk plan?"]),
        ("Can I come at night?", "Resident members have access around the clock with their "
         "badge; flex members from 8:00 to 20:00 on weekdays.",
         ["Which members can work in the space late in the evening?"]),
        ("Are dogs allowed?", "Calm dogs are welcome on the ground floor only, never in the "
         "phone booths or meeting rooms; the owner must be a resident member.",
         ["Can I bring my pet to the coworking space?"]),
    ]),
    ("greenpaw-vet-faq.json", "GreenPaw veterinary clinic", [
        ("What vaccines does my puppy need?", "Puppies get their first combined vaccination "
         "at 8 weeks, a booster at 12 weeks and the rabies shot at 16 weeks.",
         ["At what ages should a young dog get its jabs?"]),
        ("Do you handle emergencies?", "Outside opening hours emergencies are handled by the "
         "partner clinic on Mill Road, which is staffed around the clock.",
         ["Where do I take my sick cat in the middle of the night?"]),
        ("Must my pet fast before surgery?", "Animals must not eat after 22:00 the evening "
         "before an operation; water is allowed until the morning.",
         ["Can my dog have dinner or a drink before being operated on?"]),
        ("Can I pay in instalments?", "Treatments over 300 euros can be paid in up to six "
         "monthly instalments without interest after a short credit check.",
         ["Is there a way to spread an expensive vet bill over several months?"]),
    ]),
]

EVENTS = [
    ("harbour-festival-2026.json", "Harbour Festival 2026", [
        ("Opening night", "The tall ship parade leaves the outer harbour at 19:00 on Friday "
         "and ends with fireworks over the lighthouse at 22:30.",
         ["What time do the sailing vessels set off on the first evening?"]),
        ("Getting there", "Extra night trams run every ten minutes until 02:00 on festival "
         "days; the car parks near the quay are closed.",
         ["How do I get home late from the waterfront celebration?"]),
        ("Family programme", "Children's workshops on knot tying and model boats are held in "
         "the maritime museum courtyard every day from 10:00 to 16:00, free of charge.",
         ["Are there activities for kids at the festival, and do they cost money?"]),
    ]),
    ("jazz-weekend-2026.json", "Old Town Jazz Weekend 2026", [
        ("Tickets", "A weekend pass costs 85 euros and gives access to all indoor venues; "
         "open-air stages on the market square are free.",
         ["What does entry to every concert hall for both days cost?"]),
        ("Late sessions", "Jam sessions start at midnight in the cellar of the Blue Anchor; "
         "musicians can sign up at the bar until 23:00.",
         ["Where can a musician join in a late improvised gig?"]),
        ("Accessibility", "All indoor venues except the Blue Anchor cellar are step-free; "
         "wheelchair spaces are reserved when you book.",
         ["Which venue can't be reached without stairs?"]),
    ]),
    ("science-night-2026.json", "University Science Night 2026", [
        ("Observatory", "The observatory dome opens for telescope viewing from 21:00 when "
         "the sky is clear; tickets are handed out at the entrance from 19:00.",
         ["How do I get a spot to look through the big telescope?"]),
        ("Chemistry shows", "Demonstrations with liquid nitrogen run every hour in lecture "
         "hall 2; ear protection is handed out for the louder experiments.",
         ["Where are the cold-gas experiments shown, and how often?"]),
        ("Last entry", "The event runs from 17:00 to midnight; last entry to the laboratories "
         "is at 23:00.",
         ["Until what time can visitors still get into the labs?"]),
    ]),
]


def faq(file: str, service: str, entries) -> Doc:
    doc = Doc(file)
    items = [{"id": i, "question": q, "answer": doc.ask(a, *questions), "tags": []}
             for i, (q, a, questions) in enumerate(entries, 1)]
    doc.text = json.dumps({"service": service, "exported": "2026-01-30", "locale": "en",
                           "entries": items}, indent=2) + "\n"
    return doc


def programme(file: str, event: str, entries) -> Doc:
    doc = Doc(file)
    items = [{"title": title, "description": doc.ask(text, *questions)}
             for title, text, questions in entries]
    doc.text = json.dumps({"event": event, "organiser": "City events office",
                           "programme": items}, indent=2) + "\n"
    return doc


def documents() -> list[Doc]:
    return [faq(*f) for f in FAQS] + [programme(*e) for e in EVENTS]
