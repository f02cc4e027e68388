"""Seeded generator of realistic, unique 20-turn support chats for benchmarks.

Every line carries random names, numbers and products, so no two texts repeat and a
text cache cannot make a benchmark look faster than real traffic.
"""

from __future__ import annotations

import random

from qa_coach.domain.interaction import Interaction, Role, SourceRef, Turn

PRODUCTS = ["router", "TV box", "phone plan", "laptop", "subscription", "smart meter", "parcel", "credit card", "booking", "printer"]
NAMES = ["Dana", "Sam", "Lee", "Priya", "Omar", "Grace", "Tom", "Ana", "Kofi", "Mia"]
COMPANIES = ["Northwind", "Contoso", "Brightline", "Acme", "Globex"]

AGENT = [
    "Hi, thanks for contacting {company}, my name is {name}. How can I help you today?",
    "I'm sorry to hear the {product} is giving you trouble since {day}.",
    "Could you tell me the order number for the {product}, please?",
    "Thanks, I can see order {num} placed on {day} for {amount} dollars.",
    "So if I understand correctly, the {product} stopped working after {num2} minutes, is that right?",
    "Have you tried restarting the {product} and waiting {num2} seconds before switching it on?",
    "I understand how frustrating that must be, especially with {event} coming up.",
    "Let me check the account notes for order {num}, one moment please.",
    "I've issued a refund of {amount} dollars, it should reach your card in {num2} business days.",
    "I've opened ticket {num} and a technician will call you on {day}.",
    "Is there anything else I can help you with today, {cust}?",
    "Thanks for your patience, {cust}, have a great {day}!",
]
CUSTOMER = [
    "Hi {name}, my {product} has not worked since {day} and I'm getting really annoyed.",
    "The order number is {num}, I bought it for {amount} dollars.",
    "Yes, it shuts off after about {num2} minutes every single time.",
    "I already restarted it {num2} times this morning and nothing changed.",
    "I need it for {event}, so this is pretty urgent for me.",
    "Okay, and when exactly will the refund of {amount} show up?",
    "That's a relief, thank you {name}, that really helps.",
    "No, that's everything for now, thanks again.",
]
EVENTS = ["a client call", "my exam", "the weekend trip", "my daughter's party", "month end", "a job interview"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _fill(template: str, rng: random.Random, ctx: dict[str, str]) -> str:
    values = dict(ctx)
    values.update(
        num=str(rng.randint(10000, 999999)),
        num2=str(rng.randint(2, 90)),
        amount=f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}",
        day=rng.choice(DAYS),
        event=rng.choice(EVENTS),
    )
    return template.format(**values)


def make_chats(n: int, turns: int = 20, seed: int = 7) -> list[Interaction]:
    rng = random.Random(seed)
    chats = []
    for k in range(n):
        ctx = {"company": rng.choice(COMPANIES), "name": rng.choice(NAMES), "product": rng.choice(PRODUCTS), "cust": rng.choice(NAMES)}
        out = []
        for i in range(turns):
            role = Role.AGENT if i % 2 == 0 else Role.CUSTOMER
            pool = AGENT if role is Role.AGENT else CUSTOMER
            template = pool[0] if i == 0 else pool[(i // 2 + rng.randint(0, 2)) % len(pool)]
            out.append(Turn(i, role, _fill(template, rng, ctx), start=15.0 * i))
        chats.append(Interaction(f"bench-{k}", tuple(out), SourceRef(None, "bench")))
    return chats
