"""The texts part's services, the only code that writes documents and revisions. By concern:

* ``reading``: documents, revisions, the text at any revision, a provision's history;
* ``hashing``: revision hashes and ``verify``'s check of them;
* ``tree``: the text in memory and the checked changes applied to it;
* ``stale``: refusing a change made on a revision when what it changes has changed since;
* ``writing``: new revisions, documents, editorial corrections, the after-revision hooks.

The names below are the part's public surface; callers import them from here.
"""

from constitution.texts.services.hashing import (
    check_revision_row,
    document_hash,
    revision_states,
    version_hash,
)
from constitution.texts.services.reading import (
    Outline,
    Placed,
    author_names,
    check_rev,
    current_label_maps,
    current_labels,
    current_rows,
    depth_map,
    get_document,
    get_revision,
    labels_of_keys,
    list_documents,
    outline_at,
    provision_history,
    reading_order,
    revision_changes,
    revisions,
    settled_revisions,
    versions_at,
    versions_by_ids,
)
from constitution.texts.services.stale import (
    apply_on_base,
    changed_since,
    clean_base_rev,
    require_fresh,
)
from constitution.texts.services.tree import (
    Draft,
    Tree,
    apply_change,
    apply_changes,
    load_tree,
)
from constitution.texts.services.writing import (
    AFTER_REVISION,
    RevisionHook,
    create_document,
    editorial_revision,
    lock_document,
    on_current_text,
    register_after_revision,
    require_editor,
    write_revision,
)
from constitution.texts.validation import MAX_TEXT

__all__ = [
    "AFTER_REVISION",
    "MAX_TEXT",
    "Draft",
    "Outline",
    "Placed",
    "RevisionHook",
    "Tree",
    "apply_change",
    "apply_changes",
    "apply_on_base",
    "author_names",
    "changed_since",
    "check_rev",
    "check_revision_row",
    "clean_base_rev",
    "create_document",
    "current_label_maps",
    "current_labels",
    "current_rows",
    "depth_map",
    "document_hash",
    "editorial_revision",
    "get_document",
    "get_revision",
    "labels_of_keys",
    "list_documents",
    "load_tree",
    "lock_document",
    "on_current_text",
    "outline_at",
    "provision_history",
    "reading_order",
    "register_after_revision",
    "require_editor",
    "require_fresh",
    "revision_changes",
    "revision_states",
    "revisions",
    "settled_revisions",
    "version_hash",
    "versions_at",
    "versions_by_ids",
    "write_revision",
]
