/*
 * The rich-text editor of a report's prose sections (总体情况, 职责履行情况, 存在的主要问题 …).
 *
 * Progressive enhancement: each <textarea data-editor="rich"> works as it is without scripts (typed
 * text becomes paragraphs on the server); with scripts it becomes a TinyMCE editor (static/vendor/
 * tinymce, bundled: no request leaves this site) that offers exactly what the server keeps
 * (registry/reports/content.py ALLOWED_TAGS): paragraphs, bold, bulleted and numbered lists,
 * tables. The server cleans whatever arrives again with nh3, so this is comfort, not protection.
 * No inline script or style: the page's Content-Security-Policy stays 'self'. The one thing that CSP
 * refuses is the style attribute of a marker TinyMCE inserts to measure where to scroll
 * (<span data-mce-bogus="all" style="display: inline-block">); the marker still measures without it,
 * so nothing visible is lost and no 'unsafe-inline' is needed.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var base = script && script.getAttribute("data-base");
  if (!window.tinymce || !base || !document.querySelector("textarea[data-editor=rich]")) {
    return;
  }
  // The page's language tells the interface's: <html lang="zh-CN"> or "en".
  var chinese = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;

  var options = {
    selector: "textarea[data-editor=rich]",
    base_url: base,
    suffix: ".min",
    skin_url: base + "/skins/ui/oxide",
    content_css: [base + "/skins/content/default/content.min.css", script.getAttribute("data-content-css")],
    plugins: "lists table",
    menubar: false,
    toolbar: "undo redo | bold | bullist numlist | table",
    toolbar_mode: "wrap",
    contextmenu: false,
    branding: false,
    promotion: false,
    elementpath: false, // it would show tag names
    // No status bar: its resize handle is a <div aria-label> without a role (WCAG 4.1.2, axe
    // aria-prohibited-attr); the editor has a fixed, generous height instead.
    statusbar: false,
    resize: false,
    height: 380,
    browser_spellcheck: true,
    // What the server keeps, and nothing else: no links, images, styles or classes.
    valid_elements:
      "p,br,strong/b,em/i,ul,ol,li,table,thead,tbody,tr,th[colspan|rowspan],td[colspan|rowspan]",
    valid_children: "+li[ul|ol]",
    invalid_styles: "*",
    entity_encoding: "raw",
    convert_urls: false,
    paste_data_images: false,
    paste_block_drop: true,
    object_resizing: false,
    table_toolbar:
      "tableinsertrowbefore tableinsertrowafter tabledeleterow | " +
      "tableinsertcolbefore tableinsertcolafter tabledeletecol | tabledelete",
    table_appearance_options: false,
    table_advtab: false,
    table_cell_advtab: false,
    table_row_advtab: false,
    table_resize_bars: false,
    table_style_by_css: false,
    table_use_colgroups: false,
    table_default_attributes: {},
    table_default_styles: {},
    setup: function (editor) {
      // Keep the textarea current, so the form posts what is on screen even if submitted oddly.
      editor.on("change input undo redo", function () {
        editor.save();
      });
    },
  };
  if (chinese) {
    options.language = "zh-Hans";
    options.language_url = base + "/langs/zh-Hans.js";
  }
  window.tinymce.init(options);
})();
