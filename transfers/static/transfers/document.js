// The document page: a selection in the text becomes a citation's passage.
// Its offsets are counted in the text as stored (the page shows it with its
// whitespace as is, and highlights add no characters), then passed to the
// citation's add form, which fills the quote in from the stored text.
(function () {
  "use strict";
  const text = document.getElementById("document-text");
  const panel = document.getElementById("selection-panel");
  if (!text || !panel) return;

  function offsetIn(node, offset) {
    const range = document.createRange();
    range.setStart(text, 0);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function selectedPassage() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return null;
    let start = offsetIn(range.startContainer, range.startOffset);
    let end = offsetIn(range.endContainer, range.endOffset);
    const whole = text.textContent;
    // A quote does not begin or end with the whitespace a drag picks up.
    while (start < end && /\s/.test(whole[start])) start += 1;
    while (end > start && /\s/.test(whole[end - 1])) end -= 1;
    return end > start ? { start: start, end: end, quote: whole.slice(start, end) } : null;
  }

  function show() {
    const passage = selectedPassage();
    if (!passage) return;
    document.getElementById("cite-start").value = passage.start;
    document.getElementById("cite-end").value = passage.end;
    document.getElementById("selection-range").textContent = passage.start + "–" + passage.end;
    document.getElementById("selection-quote").textContent = passage.quote;
    const link = document.getElementById("new-transfer-link");
    if (link) {
      link.href = panel.dataset.transferAdd + "?cite_source=" + panel.dataset.source +
        "&cite_start=" + passage.start + "&cite_end=" + passage.end;
    }
    panel.hidden = false;
  }

  text.addEventListener("mouseup", show);
  text.addEventListener("keyup", show);
})();
