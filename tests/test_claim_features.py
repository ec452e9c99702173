"""The learned verdict's pieces without the model or an index: spaCy-based parse facts (negation
from the dependency parse, entities, lemmas), pair features, claim features, the linear models'
loading and prediction on hand-built inputs, the shipped verdict_model.json, and the decision
(strong code refutation first, else the learned label with the deciding sentence)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from factbot.claims import features as F
from factbot.claims import learned as L
from factbot.claims.verdict import align, learned_decision
from factbot.core.types import Evidence, Label, Stance


@pytest.fixture(scope="module")
def parse():
    return lambda text: F.parse_all([text])[0]


def test_spacy_loads_offline_once():
    assert F.nlp() is F.nlp()
    assert {"parser", "ner", "lemmatizer"} <= set(F.nlp().pipe_names)


def test_parse_marks_negation_from_the_dependency_parse(parse):
    p = parse("Sea levels have not risen since 1990.")
    assert p.n_neg == 1 and "rise" in p.negated and "1990" in p.numbers
    q = parse("There is no evidence that CO2 causes warming.")
    assert "evidence" in q.negated  # "no" on its noun
    assert parse("Sea levels have risen since 1990.").n_neg == 0


def test_parse_gives_lemmas_entities_and_subjects(parse):
    p = parse("NASA says Antarctica is losing ice.")
    assert {"nasa", "antarctica"} <= p.ents
    assert {"lose", "ice"} <= p.lemmas
    assert "antarctica" in p.subjects or "nasa" in p.subjects


def feats(claim: str, source: str, sim: float = 0.8) -> dict[str, float]:
    pc, ps = F.parse_all([claim, source])
    return dict(zip(F.PAIR_FEATURES, F.pair_features(claim, source, sim, pc, ps)))


def test_pair_features_numbers_entities_negation():
    f = feats("Sea levels rose 20 cm in Florida.", "Sea levels rose 30 cm in Florida.")
    assert f["num_claim"] == 1 and f["num_shared"] == 0 and f["num_conflict"] == 1 and f["sig_missing_numbers"] == 1
    assert f["ent_cover"] == 1.0 and f["ent_missing"] == 0 and f["sim"] == 0.8
    f = feats("Sea levels have not risen.", "Sea levels have risen.")
    assert f["neg_claim"] == 1 and f["neg_source"] == 0 and f["neg_xor"] == 1 and f["neg_flip_shared"] == 1
    assert f["lemma_cover"] == 1.0
    f = feats("Greenland is losing ice.", "Antarctica is losing ice.")
    assert f["ent_missing"] == 1 and f["ent_other"] == 1
    assert len(F.pair_features("a b", "c d", 0.1, *F.parse_all(["a b", "c d"]))) == len(F.PAIR_FEATURES)


def test_embedding_features_are_product_and_distance():
    u = np.array([1.0, 0.0])
    V = np.array([[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_allclose(F.embedding_features(u, V), [[0.5, 0.0, 0.5, 0.5], [1.0, 0.0, 0.0, 0.0]])


def test_claim_features_read_the_best_sentences():
    probs = np.array([[0.7, 0.1, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    f = dict(zip(F.CLAIM_FEATURES, F.claim_features(probs, np.array([0.9, 0.8, 0.5]), np.array([1.0, 0.5, 0.2]), 0.7, 1.0)))
    assert f["max_p_sup"] == 0.7 and f["max_p_ref"] == 0.6 and f["top_p_sup"] == 0.7 and f["top_p_ref"] == 0.1
    assert f["max_sim"] == 0.9 and f["relevance"] == 0.7 and f["neg_claim"] == 1.0
    empty = F.claim_features(np.zeros((0, 3)), np.zeros(0), np.zeros(0), 0.3, 0.0)
    assert len(empty) == len(F.CLAIM_FEATURES) and empty[F.CLAIM_FEATURES.index("relevance")] == 0.3


def linear(names, classes, coef, intercept) -> L.Linear:
    n = len(names)
    return L.Linear(tuple(names), np.zeros(n), np.ones(n), np.array(coef, float), np.array(intercept, float), tuple(classes))


def test_linear_softmax_and_round_trip():
    m = linear(["a", "b"], ["x", "y", "z"], [[1, 0], [0, 1], [0, 0]], [0, 0, 0])
    p = m.proba(np.array([[3.0, 0.0], [0.0, 0.0]]))
    assert p.shape == (2, 3) and np.allclose(p.sum(axis=1), 1) and p[0].argmax() == 0
    np.testing.assert_allclose(p[1], [1 / 3] * 3)
    back = L.Linear.from_dict(json.loads(json.dumps(m.to_dict())))
    np.testing.assert_allclose(back.proba(np.array([[3.0, 0.0]])), p[:1], atol=1e-6)
    bad = m.to_dict() | {"intercept": [0, 0]}
    with pytest.raises(ValueError):
        L.Linear.from_dict(bad)


def toy_model() -> L.VerdictModel:
    """Pair: SUPPORTS rises with lemma cover, REFUTES with neg_xor and lemma cover. Claim: follows max_p_sup / max_p_ref."""
    P = list(F.PAIR_FEATURES)
    pc = np.zeros((3, len(P)))
    pc[0, P.index("lemma_cover")] = 6.0
    pc[1, P.index("neg_xor")] = 5.0
    pc[1, P.index("lemma_cover")] = 5.0
    pair = linear(P, F.PAIR_CLASSES, pc, [-3.0, -6.0, 0.0])
    C = list(F.CLAIM_FEATURES)
    cc = np.zeros((3, len(C)))
    cc[0, C.index("max_p_sup")] = 10.0
    cc[1, C.index("max_p_ref")] = 10.0
    claim = linear(C, [str(x) for x in L.CLAIM_LABELS], cc, [-5.0, -5.0, 0.0])
    return L.VerdictModel(pair, claim, False, {})


def test_verdict_model_round_trip_and_class_check():
    m = toy_model()
    back = L.VerdictModel.from_dict(json.loads(json.dumps(m.to_dict())))
    assert back.pair.names == m.pair.names and back.embedding is False
    d = m.to_dict()
    d["claim"]["classes"] = ["A", "B", "C"]
    with pytest.raises(ValueError):
        L.VerdictModel.from_dict(d)


def unit(*vs) -> np.ndarray:
    V = np.array(vs, dtype=float)
    return V / np.linalg.norm(V, axis=1, keepdims=True)


def test_predict_on_hand_built_views():
    m = toy_model()
    claim = "Sea levels have not risen."
    u = unit([1, 0, 0])[0]
    V = unit([1, 0.2, 0], [0, 1, 0])
    view = L.pair_view(claim, ["Sea levels have risen.", "Bananas are yellow."], ["", ""], u, V, False)
    assert list(view.order) == [0, 1] and view.neg_claim == 1.0
    lv = L.predict(m, view, 0.8)
    assert lv.label == Label.REFUTED and lv.pair_probs.shape == (2, 3)
    view = L.pair_view("Sea levels have risen.", ["Sea levels have risen.", "Bananas are yellow."], ["", ""], u, V, False)
    assert L.predict(m, view, 0.8).label == Label.SUPPORTED
    view = L.pair_view("Bananas are yellow.", ["Sea levels have risen."], [""], u, V[:1] * 0 + unit([0, 0, 1]), False)
    assert L.predict(m, view, 0.3).label == Label.NOT_ENOUGH_INFO


def test_the_shipped_model_loads_and_predicts():
    m = L.load_model()
    assert m.pair.classes == F.PAIR_CLASSES and m.claim.names == F.CLAIM_FEATURES
    assert m.pair.names[: len(F.PAIR_FEATURES)] == F.PAIR_FEATURES
    assert "fit part" in m.meta["fitted_on"]
    u = unit([1, 0, 0] + [0] * 381)[0]
    V = unit([1, 0.1] + [0] * 382)
    view = L.pair_view("Arctic sea ice is shrinking.", ["Arctic sea ice has been shrinking."], [""], u, V, m.embedding)
    lv = L.predict(m, view, 0.9)
    assert lv.label in L.CLAIM_LABELS and abs(sum(lv.probs.values()) - 1) < 1e-6


def ev(n: int, doc: str, *sentences: str) -> Evidence:
    text = " ".join(sentences)
    start, spans, pos = 1000 * n, [], 1000 * n
    for s in sentences:
        spans.append((pos, pos + len(s)))
        pos += len(s) + 1
    return Evidence(n=n, doc_id=doc, title=doc, source=f"{doc}.txt", text=text, start=start, end=start + len(text),
                    relevance=0.7, sentences=tuple(spans))  # fmt: skip


def test_learned_decision_quotes_the_deciding_sentence_and_code_decisions_stand():
    m = toy_model()
    claim = "Sea levels have not risen."
    evidence = [ev(1, "a", "Bananas are yellow.", "Sea levels have risen.")]
    rows = L.sentence_rows(evidence)
    assert [r.prev for r in rows] == ["", "Bananas are yellow."]
    u = unit([1, 0, 0])[0]
    V = unit([0, 1, 0], [1, 0.2, 0])
    aligned = align(claim, evidence, V @ u)
    view = L.pair_view(claim, [r.text for r in rows], [r.prev for r in rows], u, V, False)
    d = learned_decision(aligned, L.predict(m, view, 0.8), rows, 0.5)
    assert d.label == Label.REFUTED and "negation" in d.explanation  # the code's negation check decides
    # where the code finds nothing decisive (here: no sentence shares 99% of the claim's words), the learned verdict
    d = learned_decision(aligned, L.predict(m, view, 0.8), rows, 0.99)
    assert d.label == Label.REFUTED and [(a.text, s) for a, s in d.picks] == [("Sea levels have risen.", Stance.REFUTES)]
    assert "learned" in d.explanation
    # a different number in a sentence that states the rest of the claim: the code decides
    claim = "Mayor Ortiz said the repairs cost 4 million dollars."
    evidence = [ev(2, "b", "Mayor Ortiz said the repairs cost 6 million dollars.")]
    rows = L.sentence_rows(evidence)
    aligned = align(claim, evidence, np.array([0.9]))
    view = L.pair_view(claim, [rows[0].text], [""], unit([1, 0])[0], unit([1, 0.1]), False)
    d = learned_decision(aligned, L.predict(m, view, 0.9), rows, 0.5)
    assert d.label == Label.REFUTED and "different number" in d.explanation
    assert learned_decision(aligned, None, rows, 0.5).label == Label.REFUTED


def test_months_compare_however_written_and_weekdays_are_no_months():
    from factbot.text.signals import compare

    assert not compare("The draft was held on November 18, 2020.", "The draft will be held Wednesday, Nov. 18.").missing_numbers
    assert compare("The draft was held on November 18, 2020.", "The draft will be held Wednesday, Dec. 18.").missing_numbers
