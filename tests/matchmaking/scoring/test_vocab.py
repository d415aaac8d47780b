import numpy as np
import pytest

from matchmaking.scoring.vocab import Vocabulary, intersects, missing_bits, popcount


def test_vocabulary_of_more_than_64_keys_uses_several_words():
    vocab = Vocabulary.of(range(1000, 1130))
    assert vocab.words == 3
    mask = vocab.encode([1000, 1063, 1064, 1129])
    assert mask.shape == (3,)
    assert vocab.decode(mask) == [1000, 1063, 1064, 1129]
    assert int(popcount(mask)) == 4


def test_vocabulary_drops_duplicates_keeping_first_position():
    vocab = Vocabulary.of(["24310", "25920", "24310"])
    assert vocab.keys == ("24310", "25920")
    assert vocab.position("25920") == 1


def test_unknown_key_raises_unless_ignored():
    vocab = Vocabulary.of([1, 2])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode([3])
    assert vocab.decode(vocab.encode([2, 3], ignore_unknown=True)) == [2]


def test_empty_vocabulary_has_one_zero_word():
    vocab = Vocabulary.of([])
    assert vocab.encode([]).tolist() == [0]


def test_row_operations_across_words():
    vocab = Vocabulary.of(range(100))
    rows = vocab.encode_rows([{1, 70}, {70}, set(), {1, 2, 99}])
    required = vocab.encode([1, 70])
    assert popcount(rows).tolist() == [2, 1, 0, 3]
    assert [vocab.decode(m) for m in missing_bits(rows, required)] == [[], [1], [1, 70], [70]]
    assert intersects(rows, vocab.encode([99])).tolist() == [False, False, False, True]
    assert rows.dtype == np.uint64
