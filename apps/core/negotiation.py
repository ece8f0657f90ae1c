"""Content negotiation that remembers its answers (bench scenario 1: HTTP floor).

DRF's DefaultContentNegotiation parses the Accept header into media types and matches them
against the renderers on every request: half of what DRF itself costs on a trivial view. The
answer depends only on the Accept header, the `?format=` asked for and the renderers offered,
so it is worked out once by DRF's own code and then looked up. Refusals (406, 404 for an
unknown format) are never remembered: DRF raises them again each time.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

# Enough for the Accept headers real clients send; a flood of odd ones only empties it.
MEMORY_SIZE = 256


class RememberingContentNegotiation(DefaultContentNegotiation):
    _answers: dict[tuple, tuple[int, str]] = {}

    def select_renderer(self, request, renderers, format_suffix=None):
        # An empty query string cannot hold `?format=`: no need to parse it.
        has_query = bool(request.META.get("QUERY_STRING"))
        format = format_suffix or (request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) if has_query else None)
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if len(accept) > self.max_media_type_length:
            return super().select_renderer(request, renderers, format_suffix)
        key = (accept, format, tuple((type(r), r.media_type, r.format) for r in renderers))
        answer = self._answers.get(key)
        if answer is not None:
            index, media_type = answer
            return renderers[index], media_type
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        index = next(i for i, offered in enumerate(renderers) if offered is renderer)
        if len(self._answers) >= MEMORY_SIZE:
            self._answers.clear()
        self._answers[key] = (index, media_type)
        return renderer, media_type
