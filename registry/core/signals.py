"""Cross-domain events (blinker, as Flask and indico use them). The domain where something happens
sends; the domains that care connect a receiver at start-up (create_app). So publishing a version
never imports the public search, and a new subscriber (notifications, caches) needs no change where
the event happens. Receivers run at once, in the sender's transaction."""

from blinker import Namespace

_signals = Namespace()

# A version was published or withdrawn: which version is in force in that jurisdiction may have
# changed. sender: the jurisdiction's id.
versions_changed = _signals.signal("versions-changed")
