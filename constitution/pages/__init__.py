"""Pages that show several parts at once (a provision with its amendments and comments,
the reading view with open amendments). They compose; they own no rule."""
