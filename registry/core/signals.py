"""Cross-domain events (blinker, as Flask and indico use them). The domain where something happens
sends; the domains that care connect a receiver at start-up (create_app). So publishing a version
never imports the public search, and a new subscriber (notifications, caches) needs no change where
the event happens. Receivers run at once, in the sender's transaction."""

from blinker import Namespace

_signals = Namespace()

# A version was published or withdrawn: which version is in force in that jurisdiction may have
# changed. sender: the jurisdiction's id.
versions_changed = _signals.signal("versions-changed")

# 机构改革 (lists.services.reorganisation): a department was merged into another or split; what other
# domains hold of it (target indicators it leads) follows it. sender: the department that no longer
# exists; kwargs: kind ("merge" | "split"), successors (the departments), matters (on a split: matter
# id → the successor it went to), actor. Sent before the source is retired, in the reorganisation's transaction.
department_reorganised = _signals.signal("department-reorganised")
# A department is about to be retired without a successor (lists.services.retire_department). sender:
# the department; kwargs: actor. A receiver raises DomainError to refuse while the department still
# answers for something in its domain (a target indicator it leads).
department_retiring = _signals.signal("department-retiring")

# -- events that concern people (registry.notify tells them) -----------------------------------------
# Each is sent by the service where it happens, after its change and audit entry, in its transaction.

# A matter was delegated to lower jurisdictions (§5). sender: the matter in the upper jurisdiction;
# kwargs: copies (the new matters, one per lower jurisdiction), actor.
matter_delegated = _signals.signal("matter-delegated")
# A report changed hands: submitted (to its recipients, copied to others), returned, accepted,
# published. sender: the report; kwargs: action ("submit" | "return" | "accept" | "publish"), actor, note.
report_handed_over = _signals.signal("report-handed-over")
# A lead department asked a cooperating department for its input (§7). sender: the CooperationReminder;
# kwargs: actor.
cooperation_requested = _signals.signal("cooperation-requested")
# A cooperating department gave its input on a matter led by another. sender: what was saved (the
# cooperating department's section or answer); kwargs: report (the lead's report), actor.
cooperation_answered = _signals.signal("cooperation-answered")
# A step on a public complaint (§4): submitted, accepted, transferred, answered, refused, extension asked
# or decided, a note, rated, reopened … sender: the Complaint; kwargs: event (the ComplaintEvent, whose
# kind says which), actor (the user, or None for the public and scheduled jobs).
complaint_changed = _signals.signal("complaint-changed")
# A step on a task of a ledger (registry/supervision, §7–§9, §12–§14): created, progress reported, a
# cooperating department reminded or reported, a 督办 issued or answered, a closure applied for, signed,
# put on notice, objected to, closed, returned, reopened … sender: the Task; kwargs: event (the
# TaskEvent, whose kind says which), actor (the user, or None for the public and scheduled jobs).
task_changed = _signals.signal("task-changed")
