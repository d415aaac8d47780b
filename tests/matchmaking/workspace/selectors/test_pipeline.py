"""The pipeline's read side (matchmaking.workspace.selectors.pipeline): which partnerships
are stuck, and the board's columns."""

from __future__ import annotations

import pytest

from matchmaking.partnerships import stages
from matchmaking.workspace.selectors.pipeline import partnership_list, pipeline_board
from tests.matchmaking.partnerships.test_stages import S, days_ago, partnership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stale_days(settings):
    settings.PARTNERSHIP_STALE_DAYS = 30


# --- stuck partnerships and the board ------------------------------------------------------------------------------


def test_stuck_means_live_and_unchanged_for_the_configured_number_of_days(settings):
    at_limit = partnership(S.INTRODUCED, stage_changed_at=days_ago(30))
    below = partnership(S.INTRODUCED, stage_changed_at=days_ago(29))
    closed = partnership(S.COMPLETED, stage_changed_at=days_ago(90))

    stuck = dict(partnership_list().values_list("pk", "stuck"))
    assert stuck == {at_limit.pk: True, below.pk: False, closed.pk: False}

    settings.PARTNERSHIP_STALE_DAYS = 60
    assert not any(partnership_list().values_list("stuck", flat=True))


def test_board_counts_every_stage_and_shows_the_longest_waiting_cards_first():
    oldest = partnership(S.INTRODUCED, stage_changed_at=days_ago(45))
    middle = partnership(S.INTRODUCED, stage_changed_at=days_ago(10))
    partnership(S.INTRODUCED, stage_changed_at=days_ago(1))
    partnership(S.CONTRACT, stage_changed_at=days_ago(31))
    partnership(S.DECLINED)
    partnership(S.DECLINED)

    board = pipeline_board(partnerships=partnership_list(), per_stage=2)

    columns = {column.stage: column for column in board.columns}
    assert [column.stage for column in board.columns] == list(stages.STAGE_ORDER)
    assert (columns[S.INTRODUCED].count, columns[S.INTRODUCED].stuck) == (3, 1)
    assert [card.pk for card in columns[S.INTRODUCED].cards] == [oldest.pk, middle.pk]
    assert columns[S.INTRODUCED].more == 1
    assert [card.days_in_stage for card in columns[S.INTRODUCED].cards] == [45, 10]
    assert (columns[S.CONTRACT].count, columns[S.CONTRACT].stuck) == (1, 1)
    assert columns[S.APPROVED].count == 0
    assert {c.stage: c.count for c in board.closed} == {S.COMPLETED: 0, S.DECLINED: 2, S.ENDED: 0}
    assert (board.total, board.live) == (6, 4)
