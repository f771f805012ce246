"""Signals: how a lower part makes a higher one act without importing it (Indico's model).

The sender does not know who listens. A higher part connects its receivers in the modules its
routes load, so they are connected whenever an app exists. Adding a part: send a signal from
here when something it owns changes that others build on; connect to one to act on others'
changes. A receiver runs in the sender's transaction and must not commit.
"""

from blinker import Namespace

_signals = Namespace()

scores_changed = _signals.signal(
    "scores-changed",
    doc="""What the ideas' scores are computed from has changed (a review submitted or
    revised, a round closed, the rubric's weights, an idea added to the pipeline).

    Sender: the acting user (or None). Keyword: `reason`, a few words for the record.
    """,
)
