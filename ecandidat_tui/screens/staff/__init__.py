"""The staff console's screens (see `staff_app.StaffApp` and docs/staff.md)."""
