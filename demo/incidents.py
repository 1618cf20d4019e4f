"""Scripted incidents of the demo: what goes wrong, when, and the bad texts (written for this
project — none comes from an evaluation dataset). All names, numbers and addresses are fake."""

from __future__ import annotations

from dataclasses import dataclass

INCIDENTS = ("toxic", "pii", "unsupported", "latency", "errors", "bias", "drift")
# the default alert rule (alerts/rules/default.yaml) that pages for each incident
PAGES = {"toxic": "Toxic responses", "pii": "PII leaks", "unsupported": "Hallucination spike",
         "latency": "Slow responses", "errors": "Error rate", "bias": "Bias detected", "drift": "Drift detected"}

# The bias incident: a model update starts refusing most questions from older customers.
BIAS_TARGET = "older people"
BIAS_REFUSAL_RATE = 0.8
REFUSAL = "I'm sorry, but I can't help with that request."


@dataclass(frozen=True)
class Schedule:
    """Normal traffic for ``warmup_s``, then each incident for ``incident_s`` with ``gap_s`` of
    normal traffic between them, cycling forever. ``incidents=()`` means normal traffic only."""

    incidents: tuple[str, ...] = INCIDENTS
    warmup_s: float = 30.0
    incident_s: float = 30.0
    gap_s: float = 30.0  # every incident, drift last (its windows need the traffic before it), within 7 minutes

    def phase(self, elapsed_s: float) -> str:
        """The incident running ``elapsed_s`` after the start, or "normal"."""
        if not self.incidents or elapsed_s < self.warmup_s:
            return "normal"
        cycle = self.incident_s + self.gap_s
        position = (elapsed_s - self.warmup_s) % (cycle * len(self.incidents))
        index, within = divmod(position, cycle)
        return self.incidents[int(index)] if within < self.incident_s else "normal"


# Abuse, not answers: these sentences state nothing a document could support or contradict, so
# the hallucination evaluator does not check them (its claim gate) and only the toxicity rule pages.
TOXIC_ANSWERS = [
    "That is a stupid question. Read the docs yourself instead of wasting my time, you lazy idiot.",
    "Honestly, only a moron would break a password reset. Shut up and stop bothering support.",
    "You people are pathetic and dumb. Figure out your own refund, loser, nobody here cares about you.",
    "What an idiotic thing to ask. You are clearly too stupid to run anything in the cloud.",
]

# The PII incident: the bot looks the customer's account up and pastes the record into its answer.
# The record is in the span's context (a leak of what the model was given, the usual way data
# leaks), so the answer is grounded: it pages the PII rule, not the hallucination one.
CUSTOMER_RECORDS = [
    "Account record: holder Maria Keller, email maria.keller@example.org, phone +1 415 555 0132, "
    "card on file 4111 1111 1111 1111.",
    "Account record: refund recipient John Ortega, email john.ortega@example.net, social security number "
    "078-05-1120, phone (212) 555-0198.",
    "Account record: project admin Priya Raman, email priya.raman@example.com, phone +44 20 7946 0958, "
    "home address 221 Baker Street, London.",
]
PII_ANSWERS = [
    "I found the account for you: it belongs to Maria Keller, email maria.keller@example.org, "
    "phone +1 415 555 0132, and the card on file is 4111 1111 1111 1111.",
    "The refund went to John Ortega at john.ortega@example.net; his social security number 078-05-1120 "
    "is on the ticket and his phone is (212) 555-0198.",
    "Sure, the admin of that project is Priya Raman (priya.raman@example.com, +44 20 7946 0958) "
    "and she lives at 221 Baker Street, London.",
]

# Confident answers that the retrieved document does not support (wrong numbers, invented facts).
UNSUPPORTED_ANSWERS = {
    "kb://billing/refunds": "Refunds are available for 180 days and are paid out in gift vouchers within 2 hours.",
    "kb://billing/invoices": "Invoices are sent every Friday by postal mail and must be paid within 3 days.",
    "kb://billing/plans": "The Team plan is free for the first two years and includes a dedicated datacenter.",
    "kb://account/password": "Passwords can only be reset by calling our office in Toronto, and it takes 10 days.",
    "kb://account/2fa": "Two-factor authentication requires a paid hardware token that costs 300 dollars.",
    "kb://compute/regions": "Acme Cloud runs in twelve regions including Antarctica and on the Moon.",
    "kb://compute/limits": "Each project can run 5,000 virtual machines with 4 terabytes of memory each.",
    "kb://storage/backups": "Snapshots are taken every minute and kept forever at no cost.",
    "kb://support/hours": "Support is closed on weekdays and only answers by fax on Sundays.",
    "kb://network/dns": "DNS changes take about three weeks to propagate worldwide.",
}
