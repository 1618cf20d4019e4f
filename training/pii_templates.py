"""Sentence templates for the generated PII sets, in six families written for this project.

Each family is a register an LLM app sees (a user's chat message, an assistant's answer, a
form or label, travel prose, a record note, technical text). Families share no wording, so a
model trained without one family is measured on phrasings it never saw. Slots in braces are
filled by ``pii_generate.py``; ``{tech}`` and ``{org}`` are never PII (negatives).
"""

from __future__ import annotations

FAMILIES: dict[str, list[str]] = {
    "chat": [
        "hi, my package was supposed to arrive at {address} but tracking says it went to {city} instead",
        "Hello, this is {person}. Can you update my delivery address to {address}?",
        "I moved last month, new place is {address}. Old one was {street}.",
        "can u send the invoice to {person} please, she handles billing",
        "My husband {person} and I are flying into {city} on {date}, any hotel tips?",
        "Why does my account still show {street} as my address?? I live in {city} now.",
        "pls cancel order {tech}, I typed the wrong address ({address})",
        "Is there a branch of {org} near {street}? I'm staying in {city} for a week.",
        "my email is {email} and my number is {phone}, call me after 5",
        "Ask {person} from accounts, they fixed this for me last time.",
        "I was born in {city} but grew up in {country}, does that matter for the visa form?",
        "Charge it to my card {card} and ship to {address}",
        "Our office is at {address}, reception opens at nine.",
        "Tell {person} I said thanks for the quick refund!",
        "hey, quick one: does version {tech} support SSO?",
        "I got an error {tech} when uploading, tried twice.",
        "Meet me outside {street}, next to the bakery.",
        "I'm {nrp} and live in {city}, which plan should I pick?",
    ],
    "answer": [
        "Sure! Here is a draft you can send:\n\nDear {person},\n\nThank you for your order. It will be shipped to {address} within three business days.",
        "Based on the documents, the contract was signed by {person} on {date} in {city}.",
        "The closest store to you is at {address}. It is open until 8 pm.",
        "I found one matching customer: {person}, who lives at {address}.",
        "According to the record, {person} was born on {date} and holds {nrp} citizenship.",
        "You could visit {city} first and then take the train to {city2}; both are worth a few days.",
        "The error code {tech} usually means the token expired. Refresh it and retry.",
        "To migrate, upgrade to {tech} and run the schema check again.",
        "The shipment left the warehouse in {city}, {country} and should reach {street} tomorrow.",
        "{person} can be contacted at {email} for anything related to the audit.",
        "Here is a summary: {org} will open a new office in {city} next spring, led by {person}.",
        "The billing address on file is {address}, and the card ends in {card_tail}.",
        "Yes, {country} requires a visa for stays longer than ninety days.",
        "Your meeting with {person} is confirmed for {date} at our {city} office.",
        "I can't share personal details, but the ticket was assigned to the team in {city}.",
        "The model {tech} is faster than the previous one on long inputs.",
        "Step 1: open settings. Step 2: enter the new address, for example {street}. Step 3: save.",
    ],
    "form": [
        "Name: {person}\nAddress: {address_block}\nPhone: {phone}",
        "SHIP TO\n{person}\n{address_block}",
        "Full name - {person}; Date of birth - {date}; Place of birth - {city}",
        "Billing contact: {person} | {email} | {address}",
        "Recipient: {person}, {address}",
        "Emergency contact {person} ({phone}), residing at {address}",
        "Applicant {person}, nationality {nrp}, current residence {city}, {country}",
        "Return address:\n{address_block}",
        "Order {tech} | customer {person} | deliver to {address}",
        "IBAN {iban} / account holder {person}",
        "Card holder: {person}, card {card}, expiry {expiry}",
        "SSN: {ssn} DOB: {date} Name: {person}",
        "Device {tech} last seen from {ip} in {city}",
        "Company: {org}\nContact: {person}\nSite: {address_block}",
    ],
    "travel": [
        "We drove from {city} to {city2} in one day and stopped for lunch near {street}.",
        "Last summer I spent two weeks in {country}, mostly around {city}.",
        "The conference moved from {city} to {city2} this year.",
        "Our guide, {person}, grew up in a village outside {city}.",
        "{city} is about two hours by train from {city2}.",
        "The festival takes place every {month} in the old town of {city}.",
        "A group of {nrp} tourists asked us the way to {street}.",
        "Flights to {country} were cancelled on {date} because of the storm.",
        "My grandmother still lives at {address}, in the house where my mother was born.",
        "After {city} we crossed into {country} and stayed with friends of {person}.",
        "The hotel at {address} was quiet and close to the station.",
        "If you ever pass through {city}, ask for {person} at the harbour café.",
    ],
    "records": [
        "Called {person} re: late payment, promised to pay by {date}.",
        "Patient {person}, DOB {date}, transferred from the clinic in {city}.",
        "Employee {person} relocated to the {city} office; new home address {address}.",
        "Note: customer asked us to stop mailing {street}, use {email} instead.",
        "Visitor log - {person} ({org}) signed in at 09:12, escorted by {person2}.",
        "Complaint from {person} about noise at {address}.",
        "Refund issued to {person}, card {card}.",
        "Tenant {person} gave notice for the flat at {address}, leaving {date}.",
        "Ticket {tech}: login fails for {email} from {ip}.",
        "Interviewed {person}, a {nrp} engineer currently based in {city}.",
        "Payroll change for {person}: new IBAN {iban}.",
        "Background check on {person} (SSN {ssn}) came back clear.",
    ],
    "tech": [
        "Bumped the dependency to {tech} and fixed the flaky test in the parser.",
        "Reviewed by {person}; merged after CI passed on {tech}.",
        "The service {tech} returns 404 when the region header is missing.",
        "Benchmarks: {tech} is 12% faster than {tech2} on the same hardware.",
        "Deploy {tech} to the {city} region first, then roll out globally.",
        "{org} released {tech} with a new tokenizer.",
        "Run `make test` before opening {tech}.",
        "The config key {tech} controls the retry budget.",
        "Set the locale to {country} to see dates in the local format.",
        "Thanks to {person} for reporting {tech}.",
        "Our staging cluster in {city} is down; failover to {tech} is in progress.",
        "Use {tech} for embeddings and {tech2} for generation.",
    ],
}

# short codes, versions, ids and model names: never personal data
# (the unit tests' own examples, a395, v2.3.1, PR-1234 and gpt-4o, are deliberately not in it)
TECH = ["b217", "v1.8.0", "MR-552", "gpt-3.5-turbo", "B7", "x86_64", "ERR_42", "build 7781", "INC-20931", "claude-3-haiku",
        "llama-3.1-8b", "release-2024.06", "3.11.4", "HTTP 503", "tkt-88213", "us-east-1", "K8s 1.29", "AB12CD",
        "SKU-5521-X", "node18", "e5-small", "Q3-2025", "rev 4f2a9c1", "ISSUE-77", "a1b2", "PROJ-981", "v10",
        "feature/login-fix", "eu-west-3", "RFC 7231", "T-800", "mistral-7b-instruct", "m5.large", "CVE-2024-3094"]

NRP = ["German", "French", "Brazilian", "Nigerian", "Japanese", "Polish", "Mexican", "Indian", "Swedish", "Turkish",
       "Egyptian", "Canadian", "Irish", "Vietnamese", "Kenyan", "Italian", "Spanish", "Chilean", "Korean", "Dutch",
       "Catholic", "Muslim", "Jewish", "Hindu", "Buddhist", "Protestant", "Greek", "Portuguese", "Ukrainian",
       "Argentinian", "Filipino", "Moroccan", "Norwegian", "Czech", "Romanian", "Thai", "Pakistani"]

# entity-free prose of the kind LLM answers are made of, many sentences opening on a capitalized
# common word or a product name: without it the head takes any unknown first word for a place
PROSE = [
    "Mitochondria produce most of the energy a cell uses.", "Recursion is easier to follow with a small example.",
    "Kubernetes restarts the pod when the health check fails.", "Inflation slowed for the third month in a row.",
    "Gradient descent takes small steps against the slope of the loss.", "Refactoring keeps the behaviour and changes the shape.",
    "Tuesday works better for the review than Friday.", "Excel can split the column on commas.",
    "Osmosis moves water across a membrane.", "Python lists keep their order; sets do not.",
    "Bandwidth is not the same thing as latency.", "Compound interest grows faster than simple interest.",
    "Caching the result avoids a second query.", "Thermodynamics limits how efficient an engine can be.",
    "Vaccines train the immune system to recognise a pathogen.", "Docker images are built in layers.",
    "Encryption at rest protects the disk, not the network.", "Moderation rules apply to every channel.",
    "Sourdough needs a starter and a long rise.", "Quarterly revenue grew by eight percent.",
    "Overall, the plan looks reasonable.", "Unfortunately, I cannot open attachments.",
    "Yes, the endpoint supports pagination.", "Sure, here is a shorter version.", "Note that the limit resets every hour.",
    "Algebra gives names to unknown quantities.", "Postgres supports partial indexes.", "Erosion shapes river valleys over centuries.",
    "Spreadsheets are fine for small data sets.", "JavaScript promises resolve asynchronously.",
    "Biodiversity is declining in most regions.", "Retries should back off exponentially.",
    "Hydration matters more on long runs.", "Markdown tables need a header row.", "Latency spikes usually point to garbage collection.",
    "Accessibility includes keyboard navigation.", "Carbon capture is still expensive.", "Photographs lose detail when compressed twice.",
    "Antibiotics do not work against viruses.", "Linux uses a different line ending than Windows.",
    "Monday's release includes the new dashboard.", "Rust checks borrows at compile time.",
    "Volcanoes release gases long before they erupt.", "Budget approvals take about a week.",
    "Wireframes help agree on a layout early.", "Democracy depends on trust in elections.",
]
