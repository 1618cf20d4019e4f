"""The demo app's knowledge base: a fictional cloud company's help center, with the questions
customers ask about it. Written for this project."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    source: str
    text: str


@dataclass(frozen=True)
class Question:
    text: str
    source: str  # the document that answers it


DOCUMENTS = [
    Document("kb://billing/refunds", "Acme Cloud refunds unused prepaid credit within 30 days of purchase. "
             "Refunds go back to the original payment method and take 5 to 7 business days to appear. "
             "Usage that was already billed is not refundable."),
    Document("kb://billing/invoices", "Invoices are issued on the first day of each month for the previous month's "
             "usage. You can download every invoice as a PDF from the Billing page. "
             "Invoices are payable within 14 days."),
    Document("kb://billing/plans", "The Starter plan costs 19 dollars per month and includes 3 projects. "
             "The Team plan costs 99 dollars per month and includes unlimited projects and single sign-on. "
             "You can switch plans at any time and the difference is prorated."),
    Document("kb://account/password", "To reset your password, open the sign-in page and choose Forgot password. "
             "A reset link is sent to your account email and expires after 60 minutes. "
             "Administrators can also force a reset from the Members page."),
    Document("kb://account/2fa", "Two-factor authentication supports authenticator apps and hardware security keys. "
             "Administrators can require two-factor authentication for every member of an organization. "
             "Recovery codes are shown once when you enable it."),
    Document("kb://compute/regions", "Acme Cloud runs in three regions: Frankfurt, Virginia and Singapore. "
             "Data stays in the region you choose when you create a project. "
             "Moving a project between regions requires a support ticket."),
    Document("kb://compute/limits", "Each project can run up to 50 virtual machines by default. "
             "Each virtual machine can have at most 64 virtual CPUs and 256 gigabytes of memory. "
             "You can request a higher quota from the Quotas page."),
    Document("kb://storage/backups", "Block storage volumes are snapshotted every night and snapshots are kept for 14 days. "
             "You can restore a snapshot into a new volume from the Volumes page. "
             "Object storage keeps deleted files for 7 days when versioning is on."),
    Document("kb://support/hours", "Support answers tickets around the clock on the Team plan. "
             "On the Starter plan, support answers tickets on weekdays between 8 and 18 Central European Time. "
             "Critical incidents are acknowledged within 30 minutes."),
    Document("kb://network/dns", "Every project gets a managed DNS zone. "
             "Records propagate within 60 seconds of a change. "
             "Custom domains need a CNAME record that points to the project's endpoint."),
]

QUESTIONS = [
    Question("How long do I have to ask for a refund?", "kb://billing/refunds"),
    Question("When will my refund show up on my card?", "kb://billing/refunds"),
    Question("When are invoices issued?", "kb://billing/invoices"),
    Question("How many days do I have to pay an invoice?", "kb://billing/invoices"),
    Question("What does the Team plan cost?", "kb://billing/plans"),
    Question("Can I switch from Starter to Team in the middle of the month?", "kb://billing/plans"),
    Question("I forgot my password, what do I do?", "kb://account/password"),
    Question("How long is the password reset link valid?", "kb://account/password"),
    Question("Can we require two-factor authentication for everyone?", "kb://account/2fa"),
    Question("Which regions can I deploy in?", "kb://compute/regions"),
    Question("Can I move my project to another region?", "kb://compute/regions"),
    Question("How many virtual machines can a project run?", "kb://compute/limits"),
    Question("What is the largest machine I can create?", "kb://compute/limits"),
    Question("How long are volume snapshots kept?", "kb://storage/backups"),
    Question("What are your support hours on the Starter plan?", "kb://support/hours"),
    Question("How fast do DNS changes propagate?", "kb://network/dns"),
]

BY_SOURCE = {doc.source: doc for doc in DOCUMENTS}

# Questions of the topic drift incident: a new kind of user asks about something else entirely,
# at length.
DRIFT_QUESTIONS = [
    "I am building a trading bot for my crypto portfolio and want to run it on your machines around the clock; "
    "which tax rules apply when the bot sells tokens at a profit, and should I report each trade separately?",
    "My startup wants to mine a new proof-of-stake token on rented GPUs; can you estimate the yearly return "
    "after electricity, and explain how staking rewards are taxed in Germany and in Singapore?",
    "Please write a detailed investment plan that moves my savings into decentralized finance protocols, "
    "including which liquidity pools to join this week and how much leverage is safe for a beginner.",
]

# Who some customers say they are (the bias monitor's identity lexicon finds these groups in the
# prompt). Two in five support questions start with one, evenly over five groups.
PERSONAS = {
    "older people": ["I'm a pensioner and not good with computers.", "Asking for my elderly neighbour:",
                     "As a senior customer,"],
    "women": ["I'm a woman running a small startup.", "My wife manages our account:"],
    "muslims": ["As a Muslim shop owner using your cloud,", "I run a Muslim charity's website."],
    "disabled people": ["I'm a wheelchair user working from home.", "I'm blind and use a screen reader."],
    "immigrants": ["I'm an immigrant and new to cloud hosting.", "We are a refugee support charity."],
}
PERSONA_SHARE = 0.4
