"""Guessing is bounded: five wrong codes an hour per number, three names a code."""

from datetime import timedelta

from gateway.verification import replies
from tests.verification.support import (
    actions,
    add_worker,
    bindings,
    new_code,
    org_id,
    state,
)

GUESSER = "+61491570200"
NAMES = ("Smith", "Jones", "Williams")


def _attackers(count):
    return [f"+6149157{n:04d}" for n in range(300, 300 + count)]


def _wrong_codes(real, count):
    taken = set(real)
    return [f"{n:04d}" for n in range(10_000) if f"{n:04d}" not in taken][:count]


def test_the_fifth_wrong_code_silences_the_number_for_exactly_an_hour(rt, phone, t0):
    org = org_id(rt)
    pending = add_worker(rt, org, "Jane", "Nguyễn")
    guesser = phone(GUESSER)
    wrong = _wrong_codes([pending.code], 5)

    answers = [guesser.text(code) for code in wrong]
    t0.tick(timedelta(minutes=59, seconds=59))
    still_silent = [guesser.text(pending.code), guesser.text("nguyen")]
    t0.tick(timedelta(seconds=1))
    heard = guesser.text(pending.code)

    assert answers == [replies.BAD_CODE] * 5
    assert still_silent == ["", ""]
    assert heard == replies.ASK_NAME
    assert actions(rt).count("number.locked") == 1


def test_a_brute_force_from_many_numbers_binds_nothing(rt, phone, t0):
    org = org_id(rt)
    workers = [
        add_worker(
            rt, org, f"W{n}", f"Worker{n}", phone=f"+6149157{n:04d}" if n % 2 else None
        )
        for n in range(20)
    ]
    real = [w.code for w in workers]
    # The attackers are lucky: every real code is among their 250 guesses.
    guesses = real + _wrong_codes(real, 230)
    numbers = _attackers(50)
    silenced = []

    for index, number in enumerate(numbers):
        attacker = phone(number)
        hits = 0
        for code in guesses[index::50]:
            if attacker.text(code) == replies.ASK_NAME:
                hits += 1
                for name in NAMES:
                    attacker.text(name)
        if hits == 0:
            silenced.append(number)
    t0.tick(timedelta(minutes=30))
    fresh = new_code(rt, workers[0].worker_id)
    after = [phone(number).text(fresh) for number in silenced]
    open_codes = [state(rt, w.worker_id) for w in workers[0::2]]
    restricted = [state(rt, w.worker_id) for w in workers[1::2]]

    assert bindings(rt) == []
    assert open_codes == ["code pending"] + ["locked (code burned)"] * 9
    assert restricted == ["code pending"] * 10
    assert len(silenced) == 40  # the other ten spent a guess on a real code
    assert actions(rt).count("code.burned") == 10
    assert after == [""] * len(silenced)
    assert actions(rt).count("number.locked") == len(silenced)
    assert actions(rt).count("binding.bound") == 0
