"""The form that goes with a call (tags, confidence, note), made with magicgui and bound to the
review model's :class:`~imaging_explorer._napari.review.model.CallDraft` both ways."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magicgui.widgets import CheckBox, ComboBox, Container, LineEdit

from imaging_explorer.annotations.schema import TAGS

if TYPE_CHECKING:
    from ..review.model import CallDraft

TAGS_PER_ROW = 3
CONFIDENCE_CHOICES = [("—", None), *((str(i), i) for i in range(1, 6))]


class CallForm(Container):
    """Tags as check boxes (three to a row), confidence 1-5 (or none), a note."""

    def __init__(self, draft: CallDraft) -> None:
        self.draft = draft
        self.tags = {tag: CheckBox(text=tag.replace("_", " "), value=False) for tag in TAGS}
        boxes = list(self.tags.values())
        rows = [Container(widgets=boxes[i:i + TAGS_PER_ROW], layout="horizontal", labels=False)
                for i in range(0, len(boxes), TAGS_PER_ROW)]
        self.confidence = ComboBox(label="confidence", choices=CONFIDENCE_CHOICES, value=None,
                                   tooltip="confidence of the call, 1 (low) to 5 (high)")
        self.note = LineEdit(label="note", value="")
        self.note.native.setPlaceholderText("note")
        super().__init__(widgets=[*rows, self.confidence, self.note], labels=True)
        self.margins = (0, 0, 0, 0)
        self._loading = False
        for box in boxes:
            box.changed.connect(self._to_draft)
        self.confidence.changed.connect(self._to_draft)
        self.note.changed.connect(self._to_draft)

    def _to_draft(self, _value: Any = None) -> None:
        if self._loading:
            return
        self.draft.tags = [tag for tag, box in self.tags.items() if box.value]
        self.draft.confidence = self.confidence.value
        self.draft.note = str(self.note.value)

    def load(self) -> None:
        """Show the draft (after the model filled it from a call in force)."""
        self._loading = True
        try:
            for tag, box in self.tags.items():
                box.value = tag in self.draft.tags
            self.confidence.value = self.draft.confidence
            self.note.value = self.draft.note
        finally:
            self._loading = False
