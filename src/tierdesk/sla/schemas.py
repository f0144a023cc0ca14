"""The promise (``sla.promise``) as the API shows it, in a ticket's detail."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from tierdesk.sla.promise import Promise, Term


class TermOut(Schema):
    amount: int | None = Field(description="Null: nothing fixed, agreed case by case")
    unit: str = Field(description="minutes, hours or business_days")
    calendar: str = Field(description="The name of the calendar the time counts in")
    around_the_clock: bool
    text: str = Field(description="As the desk and the portal show it: 2 hours, around the clock")


class PromiseOut(Schema):
    plan: str = Field(description="The plan's name; empty when no plan applies")
    priority: int
    emergency: bool = Field(
        description="An emergency: the first response is the call-back, around the clock"
    )
    first_response: TermOut
    resolution: TermOut
    next_update: TermOut | None = Field(description="Null when the plan fixes none")


def term_out(term: Term) -> dict[str, Any]:
    return {
        "amount": term.amount,
        "unit": str(term.unit),
        "calendar": term.calendar,
        "around_the_clock": term.around_the_clock,
        "text": str(term),
    }


def promise_out(promise: Promise | None) -> dict[str, Any] | None:
    if promise is None:
        return None
    return {
        "plan": promise.plan,
        "priority": promise.priority,
        "emergency": promise.emergency,
        "first_response": term_out(promise.response),
        "resolution": term_out(promise.resolution),
        "next_update": term_out(promise.update) if promise.update else None,
    }
