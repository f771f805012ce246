"""The idea lifecycle table and the reference number generator."""

import pytest

from portal.ideas.lifecycle import (
    CLOSED_STATES,
    TRANSITIONS,
    IdeaState,
    Mover,
    TransitionError,
    check_transition,
    moves_from,
)
from portal.ideas.reference import format_reference, is_valid_reference, luhn_digit

S = IdeaState


@pytest.mark.parametrize(
    ("current", "target", "mover"),
    [
        (S.DRAFT, S.SUBMITTED, Mover.OWNER),
        (S.SUBMITTED, S.IN_TRIAGE, Mover.LEAD),
        (S.IN_TRIAGE, S.IN_REVIEW, Mover.LEAD),
        (S.IN_REVIEW, S.SHORTLISTED, Mover.LEAD),
        (S.SHORTLISTED, S.IN_PILOT, Mover.LEAD),
        (S.IN_PILOT, S.ADOPTED, Mover.LEAD),
        (S.IN_TRIAGE, S.INFORMATION_REQUESTED, Mover.LEAD),
        (S.INFORMATION_REQUESTED, S.IN_TRIAGE, Mover.OWNER),
        (S.IN_REVIEW, S.DECLINED, Mover.LEAD),
        (S.SHORTLISTED, S.WITHDRAWN, Mover.OWNER),
    ],
)
def test_allowed_moves(current, target, mover):
    check_transition(current, target, mover)


@pytest.mark.parametrize(
    ("current", "target", "mover", "message"),
    [
        (S.DRAFT, S.IN_REVIEW, Mover.LEAD, "not been submitted yet, so it cannot go to the review"),
        (S.SUBMITTED, S.IN_TRIAGE, Mover.OWNER, "Only a programme lead"),
        (S.DRAFT, S.SUBMITTED, Mover.LEAD, "Only the person who shared it"),
        (S.SUBMITTED, S.WITHDRAWN, Mover.LEAD, "Only the person who shared it"),
        (S.DECLINED, S.IN_TRIAGE, Mover.LEAD, "not been taken forward, so it cannot be accepted"),
        (S.ADOPTED, S.WITHDRAWN, Mover.OWNER, "^This idea has been adopted, so it cannot be with"),
        (S.SHORTLISTED, S.INFORMATION_REQUESTED, Mover.LEAD, "so no question can be asked"),
        (S.INFORMATION_REQUESTED, S.INFORMATION_REQUESTED, Mover.LEAD, "waiting for an answer"),
    ],
)
def test_refused_moves_say_why(current, target, mover, message):
    with pytest.raises(TransitionError, match=message):
        check_transition(current, target, mover)


def test_every_refusal_is_in_words_never_a_state_name():
    for current in S:
        for target in S:
            for mover in Mover:
                try:
                    check_transition(current, target, mover)
                except TransitionError as error:
                    message = str(error)
                else:
                    continue
                assert "_" not in message, message
                assert not any(f"'{state.value}'" in message for state in S), message


def test_closed_states_have_no_way_out():
    for state in CLOSED_STATES:
        assert moves_from(state, Mover.LEAD) == [] and moves_from(state, Mover.OWNER) == []


def test_every_open_submitted_state_can_be_declined_and_withdrawn():
    for state in S:
        if state.is_open and state is not S.DRAFT:
            assert TRANSITIONS[(state, S.DECLINED)] is Mover.LEAD
            assert TRANSITIONS[(state, S.WITHDRAWN)] is Mover.OWNER


def test_every_state_has_plain_english():
    for state in S:
        assert state.label and state.staff_label and state.explanation.endswith(".")
        assert "_" not in state.label + state.staff_label


def test_each_state_has_a_name_for_staff_and_one_for_the_innovator():
    assert (S.INFORMATION_REQUESTED.staff_label, S.INFORMATION_REQUESTED.label) == (
        "Waiting for the innovator",
        "Question for you",
    )
    # no name stands for two states, so search can take either name for a stage
    names = [name.casefold() for s in S for name in {s.staff_label, s.label}]
    assert len(names) == len(set(names))
    # a refusal names the stage in the words of whoever tried the move
    with pytest.raises(TransitionError, match="lead can move this idea to 'With the review"):
        check_transition(S.IN_TRIAGE, S.IN_REVIEW, Mover.OWNER)
    with pytest.raises(TransitionError, match="shared it can move this idea to 'In review'"):
        check_transition(S.INFORMATION_REQUESTED, S.IN_REVIEW, Mover.LEAD)


@pytest.mark.parametrize(("digits", "check"), [("7992739871", 3), ("26110042", 4), ("0", 0)])
def test_luhn_check_digit(digits, check):
    assert luhn_digit(digits) == check


def test_reference_format_and_validation():
    reference = format_reference("2611", 42)
    assert reference == "PSI-2611-0042-4"
    assert is_valid_reference(reference) and is_valid_reference(reference.lower())
    assert not is_valid_reference("PSI-2611-0042-5")  # wrong check digit
    assert not is_valid_reference("PSI-2611-0024-4")  # swapped digits caught
    assert not is_valid_reference("PSI-2611-0043-4")  # one digit mistyped
    assert not is_valid_reference("PSI-26-0042-4")
    assert format_reference("2612", 12345).startswith("PSI-2612-12345-")


def test_any_single_digit_error_is_caught():
    reference = format_reference("2611", 1234)
    digits = [i for i, c in enumerate(reference) if c.isdigit()][:-1]
    for position in digits:
        for replacement in "0123456789":
            if replacement != reference[position]:
                typo = reference[:position] + replacement + reference[position + 1 :]
                assert not is_valid_reference(typo), typo
