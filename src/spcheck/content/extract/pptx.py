"""PowerPoint presentations: slides in show order (hidden ones too), their notes,
comments (legacy and modern), charts and SmartArt."""

from __future__ import annotations

from spcheck.content.detectors.interface import TextSegment
from spcheck.content.extract.embedded import with_embedded
from spcheck.content.extract.ooxml import R_ID, Package, drawing_lines, drawing_segments
from spcheck.content.extract.wording import counted
from spcheck.content.interface import Extraction, Extractor, HiddenItem, Limits, MalformedFile

P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"


class PptxExtractor(Extractor):
    file_type = "pptx"

    def extract(self, data: bytes, limits: Limits, *, positions: bool) -> Extraction:
        package = Package(data, limits)
        presentation = next(
            (
                t
                for t in package.relationships("").values()
                if t.lower().endswith("presentation.xml")
            ),
            "ppt/presentation.xml",
        )
        if not package.zip.has(presentation):
            raise MalformedFile("a presentation without ppt/presentation.xml")
        root = package.zip.xml(presentation)
        relationships = package.relationships(presentation)
        slide_parts = [
            relationships[slide.get(R_ID, "")]
            for slide in root.iter(f"{P}sldId")
            if relationships.get(slide.get(R_ID, ""))
        ]
        segments: list[TextSegment] = []
        visible: list[str] = []
        hidden: list[HiddenItem] = []
        seen: set[str] = set()
        for number, part in enumerate(slide_parts, start=1):
            if not package.zip.has(part):
                continue
            seen.add(part.lower())
            slide = package.zip.xml(part)
            shown = slide.get("show", "1") not in ("0", "false")
            lines = drawing_lines(slide)
            for line_number, text in enumerate(lines, start=1):
                if text.strip():
                    segments.append(TextSegment(text, f"slide {number} line {line_number}"))
                    if shown:
                        visible.append(text)
            if not shown and any(line.strip() for line in lines):
                hidden.append(
                    HiddenItem("hidden_text", f"slide {number}", "a hidden slide with text")
                )
            for target in package.relationships(part).values():
                if "notesslide" in target.lower() and package.zip.has(target):
                    seen.add(target.lower())
                    notes = drawing_lines(package.zip.xml(target))
                    segments.extend(
                        TextSegment(text, f"slide {number} notes line {n}")
                        for n, text in enumerate(notes, start=1)
                        if text.strip()
                    )
        # Slides and notes left out of the show order are still in the file.
        for part in package.parts(r"ppt/(?:slides/slide|notesSlides/notesSlide)[^/]*\.xml"):
            if part.lower() not in seen:
                segments.extend(drawing_segments(package.zip.xml(part), part))
        for part in package.parts(r"ppt/comments/[^/]+\.xml"):
            comments = package.zip.xml(part)
            count = 0
            for comment in comments:
                text = " ".join(t.strip() for t in comment.itertext() if t.strip())
                if text:
                    count += 1
                    segments.append(TextSegment(text, f"{part} comment {count}"))
            if count:
                hidden.append(HiddenItem("comment", part, counted(count, "comment")))
        for part in package.parts(r"ppt/(?:charts/chart|diagrams/data)[^/]*\.xml"):
            segments.extend(drawing_segments(package.zip.xml(part), part))
        properties, property_items = package.properties()
        extraction = Extraction(
            type="pptx",
            segments=tuple(segments + properties),
            visible_text="\n".join(visible),
            hidden=tuple(hidden + property_items),
            macros=package.has_macros(),
        )
        return with_embedded(extraction, package, limits, positions=positions)
