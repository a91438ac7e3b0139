"""The hit rule form: its defaults are the default rule, and a rule shown is the rule read back."""

from __future__ import annotations

from imaging_explorer._napari._qt.hit_rule_form import HitRuleForm
from imaging_explorer.hits import HitRule, ImageQC
from imaging_explorer.hits.hit_rule import DEFAULT_RULE


def test_defaults_are_the_default_rule(qtbot) -> None:
    form = HitRuleForm()
    qtbot.addWidget(form.native)
    assert form.values() == DEFAULT_RULE


def test_a_rule_with_image_qc_thresholds_round_trips(qtbot) -> None:
    form = HitRuleForm()
    qtbot.addWidget(form.native)
    rule = HitRule(min_activity_pct=70.0, viability_readout=None, exclude_qc_flagged=False,
                   image_qc=ImageQC(focus_min_ratio=0.3, saturated_max=0.12, min_signal_ratio=0.9, min_nuclei=10))
    form.set_rule(rule)
    assert form.values() == rule
    form.saturated.value = 2.0  # the user tightens the saturation limit: the rule follows
    assert form.values().image_qc.saturated_max == 0.02
