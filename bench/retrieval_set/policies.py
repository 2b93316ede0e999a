"""Plain-text workplace documents: travel policies of four fictional companies (the same
outline with different rules), other policies, and meeting notes."""
# ruff: noqa: E501 -- hand-written prose kept one fact per line, easier to edit than wrapped


from __future__ import annotations

from common import Doc

TRAVEL = [
    ("northwind-travel-policy.txt", "Northwind Logistics", [
        ("Meals on business trips are reimbursed up to 45 euros per day within the country "
         "and 60 euros per day abroad; alcohol is never reimbursed.",
         ["How much food spending does Northwind pay back per day on a foreign trip?"]),
        ("Flights shorter than six hours are booked in economy class. For longer flights "
         "premium economy may be chosen with the approval of a director.",
         ["At Northwind, when may a traveller sit in a better cabin than the cheapest one?"]),
        ("Expense claims must be submitted with receipts within 30 days of returning; "
         "claims older than 90 days are not paid.",
         ["What is Northwind's deadline to hand in travel costs before they are refused?"]),
    ]),
    ("aldermoor-travel-policy.txt", "Aldermoor Health Trust", [
        ("Staff using a private car on trust business receive 0.38 pounds per mile for the "
         "first 10,000 miles of the tax year and 0.25 pounds per mile after that.",
         ["What mileage rate does Aldermoor give for driving one's own vehicle?"]),
        ("Hotel rooms are booked through the trust's travel desk; the nightly limit is 120 "
         "pounds in London and 90 pounds elsewhere, breakfast included.",
         ["How expensive a hotel night can an Aldermoor employee book outside the capital?"]),
        ("Rail travel is standard class. First class is allowed only when the journey is "
         "longer than three hours and a meeting starts less than two hours after arrival.",
         ["Under what conditions may Aldermoor people take a first class train?"]),
    ]),
    ("quillfield-travel-policy.txt", "Quillfield Software", [
        ("Quillfield pays a flat per diem of 70 dollars for meals on travel days; no meal "
         "receipts are needed, but the days must be listed in the claim.",
         ["Does Quillfield want food receipts, or is there a fixed daily allowance?"]),
        ("Trips must be booked at least 14 days ahead. Bookings made later require a short "
         "reason, which the finance team reviews every quarter.",
         ["How early should Quillfield staff reserve their travel?"]),
        ("Employees may keep airline miles and hotel points earned on business travel, but "
         "choosing a more expensive carrier to earn points is not allowed.",
         ["Can I keep my frequent flyer rewards from company trips at Quillfield?"]),
    ]),
    ("brightwater-travel-policy.txt", "Brightwater Engineering", [
        ("Any trip costing more than 2,500 euros in total needs written approval from the "
         "head of department before booking; trips outside Europe always need it.",
         ["Who must sign off an expensive or intercontinental trip at Brightwater?"]),
        ("Travel insurance is provided by the company for all business trips, including "
         "up to three private days added to the start or end of a trip.",
         ["If I stay a few extra days for holiday after a Brightwater trip, am I still insured?"]),
        ("Taxis are reimbursed between 22:00 and 06:00 or when carrying equipment heavier "
         "than 15 kilograms; otherwise public transport is expected.",
         ["When does Brightwater pay for a cab instead of the bus?"]),
    ]),
]

OTHER = [
    ("remote-work-policy.txt", "Remote work policy (Harbor & Finch)", [
        ("Employees may work remotely up to three days per week after their probation "
         "period; core hours from 10:00 to 15:00 apply on every working day.",
         ["How many days a week may someone work from home at Harbor and Finch?",
          "During which hours must remote employees be reachable?"]),
        ("The company pays a one-off home office allowance of 400 euros for a chair, desk or "
         "monitor, and 25 euros per month towards internet costs.",
         ["Is there money for furnishing a workspace at home?"]),
        ("Working from another country is allowed for up to 20 working days per calendar "
         "year and must be registered with HR two weeks in advance because of tax and "
         "social security rules.",
         ["Can I work abroad for a while, and what must I tell human resources?"]),
    ]),
    ("password-and-device-policy.txt", "Information security: passwords and devices", [
        ("Passwords must be at least 14 characters long; passphrases of four or more "
         "unrelated words are encouraged. Passwords are not changed on a schedule, only "
         "when a compromise is suspected.",
         ["How long does a login secret need to be, and must I rotate it every few months?"]),
        ("A lost or stolen laptop or phone must be reported to the service desk within one "
         "hour so that it can be locked and wiped remotely.",
         ["What should I do quickly if my work notebook computer goes missing?"]),
        ("USB storage devices are blocked on company laptops; files are exchanged through "
         "the shared drive or the approved transfer service.",
         ["Why can't I open my memory stick on the office machine?"]),
    ]),
    ("parental-leave-policy.txt", "Parental leave policy (Harbor & Finch)", [
        ("Birth parents receive 20 weeks of leave at full pay; partners and adoptive parents "
         "receive 12 weeks at full pay, to be taken within the first year.",
         ["How much fully paid time off does a new father or adoptive parent get?"]),
        ("Returning parents may work 80 percent of their hours at full pay for the first "
         "four weeks back, to ease the transition.",
         ["Is there a phased return for mothers and fathers coming back from leave?"]),
    ]),
]

MEETINGS = [
    ("2026-01-12-product-weekly.txt", "Product weekly", "Ana, Bilal, Chen, Dora", [
        ("Decision: the offline mode is postponed to the second quarter because the sync "
         "conflict handling is not reliable enough for launch.",
         ["Why was working without a connection pushed back, and to when?"]),
        ("Chen will interview six customers from the retail segment before the pricing "
         "review on 3 February.",
         ["Who is talking to shop customers ahead of the price discussion?"]),
    ]),
    ("2026-01-19-facilities-meeting.txt", "Facilities", "Greta, Hamid, Ines", [
        ("The third-floor kitchen will be closed from 2 to 13 March while the floor is "
         "replaced; coffee is available on the second floor in that period.",
         ["Where can staff get a hot drink while the upstairs pantry is being renovated?"]),
        ("Bicycle parking grows from 40 to 90 spaces; the new racks in the courtyard are "
         "covered and have charging points for e-bikes.",
         ["Will there be more spots to leave bikes, and can electric ones charge there?"]),
    ]),
    ("2026-02-02-security-review.txt", "Security review", "Jonas, Keiko, Lars", [
        ("The penetration test found that the password reset link stayed valid for seven "
         "days; it will expire after 30 minutes from the next release.",
         ["What weakness did the external testers find in the forgotten-password flow?"]),
        ("Keiko will rotate the shared SSH deploy key and move all deployments to "
         "short-lived certificates by the end of February.",
         ["What is replacing the long-lived server access key used for releases?"]),
    ]),
    ("2026-02-09-product-weekly.txt", "Product weekly", "Ana, Bilal, Chen, Dora", [
        ("Decision: the price of the Team plan stays at 9 euros per user per month, but "
         "annual billing gets a 15 percent discount instead of 10.",
         ["Did the team subscription become more expensive, and what changed for yearly payers?"]),
        ("Customer interviews showed that retail users mostly want barcode scanning on "
         "phones, not offline mode.",
         ["What did shopkeepers say they need most from the mobile app?"]),
    ]),
    ("2026-02-16-hiring-sync.txt", "Hiring sync", "Dora, Emil, Farah", [
        ("Two backend engineers and one designer will be hired in the first half of the "
         "year; the designer role is open to candidates working fully remote.",
         ["Which open positions may be filled by someone who never comes to the office?"]),
        ("The take-home exercise is replaced by a paid pairing session of two hours, "
         "because candidates found the exercise took far longer than the four hours stated.",
         ["Why was the homework assignment for applicants dropped, and what replaced it?"]),
    ]),
]


def policy(file: str, title: str, items) -> Doc:
    doc = Doc(file)
    lines = [title.upper(), "", "Version 3, approved by the management board. This policy "
             "applies to all employees and contractors. Questions go to the People team.", ""]
    for number, (passage, questions) in enumerate(items, 1):
        lines += [f"{number}. {doc.ask(passage, *questions)}", ""]
    lines += [f"{len(items) + 1}. Exceptions to this policy need written approval from the "
              "responsible director and are reviewed every year."]
    doc.text = "\n".join(lines) + "\n"
    return doc


def travel(file: str, company: str, items) -> Doc:
    return policy(file, f"{company}: business travel and expenses", items)


def meeting(file: str, title: str, people: str, items) -> Doc:
    doc = Doc(file)
    date = file[:10]
    lines = [f"Meeting notes: {title}, {date}", f"Attendees: {people}", "",
             "Agenda: status of open items, decisions, next steps.", ""]
    lines += [f"* {doc.ask(passage, *questions)}" for passage, questions in items]
    lines += ["", "Next meeting in one week, same room. Notes taken by the first attendee "
              "listed."]
    doc.text = "\n".join(lines) + "\n"
    return doc


def documents() -> list[Doc]:
    return ([travel(*t) for t in TRAVEL] + [policy(*o) for o in OTHER]
            + [meeting(*m) for m in MEETINGS])
