"""Editorial integrity: what keeps the record honest when records are
merged, deleted or restored.

It owns the merges (of actors and of systems) and the `MergeRecord` each
leaves behind, the redirects from a merged record's old id and slug to its
survivor, the feed of what was deleted or merged away, and the editors'
permissions. It sits on top of the domain apps (it imports actors, sources
and transfers); none of them imports it, so it plugs itself in: the merge
actions into their admins (editorial.admin), the redirects into the API's
viewset through a setting (see editorial.api.redirects).
"""
