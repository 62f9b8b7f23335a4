"""Work distribution: who may take an item (eligibility) and which item comes next
(routing policies). Pure: the caller gives presence, load, schedules and "now"."""
