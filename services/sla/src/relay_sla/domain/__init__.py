"""The SLA domain: pure rules about working time and deadlines, no database, no Flask."""
