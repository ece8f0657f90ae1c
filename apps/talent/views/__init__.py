"""Staff pages of 人才共育 and the public certificate check.

Thin, like the other pages: parse, call one service or selector, render. Courses, sessions,
rotations, experts and people come from the scoped selectors, so anything outside the
user's scope answers 404; a rule a service refuses (400) or a conflict (409: a room taken,
an overlapping rotation, a full course) is shown in Chinese on the form, never as a 500.
"""
