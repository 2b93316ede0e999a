"""Release notes (Markdown) of one fictional bookkeeping app across five versions: the
same headings and tone in every file, so the documents are near-duplicates of each other,
and incident reviews (Markdown) of a fictional hosting company."""
# ruff: noqa: E501 -- hand-written prose kept one fact per line, easier to edit than wrapped


from __future__ import annotations

from common import Doc

RELEASES = [
    ("4.2", "March 2025", [
        ("Bank statements in CAMT.053 format can now be imported directly; each booking is "
         "matched against open invoices by amount and reference.",
         ["Which Ledgerly version learned to read the ISO 20022 bank statement files?"]),
        ("Fixed: rounding on invoices with more than 20 lines could differ by one cent from "
         "the total shown in the PDF.",
         ["Was there a bug where long invoices were off by a cent in the printed copy?"]),
        ("The legacy SOAP export is deprecated and will be removed in 5.0; use the REST "
         "endpoint /v2/exports instead.",
         ["When is the old XML web-service export going away, and what replaces it?"]),
        ("Known issue: reports in Swiss francs ignore the five-cent rounding rule when they "
         "are exported to spreadsheets.",
         ["Are there problems with CHF cash rounding in the spreadsheet export?"]),
    ]),
    ("4.3", "June 2025", [
        ("Recurring invoices may now be scheduled on the last working day of a month; public "
         "holidays come from the company's country settings.",
         ["Can I bill a customer automatically at the end of each month, skipping holidays?"]),
        ("Fixed: the Swiss franc export now applies five-cent rounding, as on screen.",
         ["In which release was the CHF spreadsheet rounding corrected?"]),
        ("Two-factor sign-in with an authenticator app is available to every plan; "
         "administrators may require it for all users of a company.",
         ["Since when can admins force all staff to use a one-time code when logging in?"]),
        ("Upgrade note: the mobile app must be at least version 3.1 to sync with a 4.3 "
         "server; older apps show a read-only mode.",
         ["What happens to an outdated phone app connecting to the 4.3 server?"]),
    ]),
    ("4.4", "September 2025", [
        ("Expense receipts photographed in the mobile app are read automatically: date, "
         "merchant, total and VAT rate are filled in and can be corrected before saving.",
         ["Does Ledgerly extract the amount and tax from a snapshot of a receipt?"]),
        ("Fixed: dunning letters were sent twice when a payment reminder was rescheduled "
         "on the same day it was due.",
         ["Why did some customers receive the same overdue reminder two times?"]),
        ("The Dutch, Polish and Czech translations are complete; Czech invoices use the "
         "required tax point date field.",
         ["Which new languages arrived in the September update?"]),
        ("Known issue: receipts from fuel stations with several VAT rates on one slip are "
         "read with only the highest rate.",
         ["Is there a limitation when a petrol receipt lists mixed tax rates?"]),
    ]),
    ("4.5", "December 2025", [
        ("Projects can carry a budget in hours or money; a warning is sent to the project "
         "owner when 80 percent of it is used.",
         ["Will the app alert someone when a job is close to running over its planned cost?"]),
        ("Fixed: multi-rate fuel receipts are now split into one line per VAT rate.",
         ["Has the mixed-tax petrol slip problem been solved, and in which version?"]),
        ("Performance: the general ledger for companies with more than 100,000 bookings "
         "opens about four times faster thanks to a new summary table.",
         ["Did large ledgers become quicker to load, and by roughly how much?"]),
        ("The SOAP export now answers with a warning header on every call; it stops "
         "working in 5.0, as announced in 4.2.",
         ["Does the deprecated XML export still function in the December release?"]),
    ]),
    ("5.0", "February 2026", [
        ("The SOAP export has been removed. Integrations must use /v2/exports, which also "
         "offers paging and incremental changes since a given timestamp.",
         ["Can my integration still call the XML export after upgrading to the major release?"]),
        ("Payroll for Austria is included: wage slips, the monthly L16 forms and social "
         "insurance declarations through ELDA.",
         ["Which country's salary processing was added in the big 2026 upgrade?"]),
        ("The minimum database version is now PostgreSQL 15 for self-hosted installations; "
         "the upgrade script refuses to run on older servers.",
         ["What database release does a self-hosted install need from 5.0 on?"]),
        ("Known issue: the bank feed for two regional savings banks disconnects after 90 "
         "days and must be re-authorised by hand.",
         ["Why do some bank connections drop every three months?"]),
    ]),
]

INCIDENTS = [
    ("2025-11-04-storage-outage.md", "Block storage outage in Frankfurt", [
        ("A firmware update on 14 storage nodes was rolled out in one step instead of in "
         "batches of two, so the cluster lost quorum for 47 minutes.",
         ["What caused the Frankfurt disks to become unavailable for most of an hour?"]),
        ("Action item: the deployment tool now refuses storage updates touching more than "
         "two nodes per availability zone at once. Owner: Priya Raman.",
         ["What safeguard was added to rollouts after the storage incident, and who owns it?"]),
    ]),
    ("2025-12-09-dns-incident.md", "DNS resolution failures for customer domains", [
        ("An expired signing key for DNSSEC made validating resolvers reject our answers; "
         "about 30 percent of visitors could not reach hosted sites for 2 hours 10 minutes.",
         ["Why could a third of users not open customer websites in December?"]),
        ("Action item: key rollover is automated and alerts fire 30 days before any key "
         "expires. Owner: Tomasz Wilk.",
         ["How will we avoid another lapsed DNS key?"]),
    ]),
    ("2026-01-21-billing-double-charge.md", "Customers charged twice for January", [
        ("A retry of the monthly billing job after a database failover re-ran invoices "
         "that had already been captured, because the idempotency key included the job's start time.",
         ["Why were some clients billed two times in January?"]),
        ("All 1,284 duplicate charges were refunded within 36 hours and affected customers "
         "received a credit of one month's base fee.",
         ["What compensation did people who paid twice receive?"]),
    ]),
    ("2026-02-17-api-latency.md", "API latency spike after the load balancer upgrade", [
        ("The new load balancer closed idle upstream connections after 5 seconds while our "
         "API servers kept them for 60, so many requests waited for a fresh TLS handshake.",
         ["Why did API calls slow down after the traffic distributor was replaced?"]),
        ("Median latency rose from 80 to 410 milliseconds for 3 hours; no requests failed.",
         ["How bad was the response time increase, and were there any errors?"]),
    ]),
]


def release_notes(version: str, when: str, items) -> Doc:
    doc = Doc(f"ledgerly-{version}-release-notes.md")
    parts = [f"# Ledgerly {version} release notes", f"Released {when}. This release is "
             "rolled out to cloud customers over one week; self-hosted customers can "
             "download it from the customer portal.", "## Highlights"]
    parts += [f"- {doc.ask(passage, *questions)}" for passage, questions in items]
    parts += ["## Thanks", "Thank you to everyone who reported problems through the "
              "in-app feedback form. Full change lists are in the developer portal."]
    doc.text = "\n\n".join(parts) + "\n"
    return doc


def incident(file: str, title: str, items) -> Doc:
    doc = Doc(file)
    (cause, cause_q), (follow, follow_q) = items
    doc.text = "\n\n".join([
        f"# Incident review: {title}",
        "Status: closed. This review is blameless: it describes what the systems and the "
        "process allowed, not who made a mistake.",
        "## What happened\n\n" + doc.ask(cause, *cause_q),
        "## Timeline\n\nThe on-call engineer was paged by the synthetic checks within four "
        "minutes. A status page entry followed after twelve minutes.",
        "## Follow-up\n\n" + doc.ask(follow, *follow_q),
    ]) + "\n"
    return doc


def documents() -> list[Doc]:
    return [release_notes(*r) for r in RELEASES] + [incident(*i) for i in INCIDENTS]
