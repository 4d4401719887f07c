"""The inbox: notifications to a member. Any part may notify; the inbox knows no part."""
