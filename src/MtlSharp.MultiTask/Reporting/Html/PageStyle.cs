namespace MtlSharp.MultiTask.Reporting.Html;

/// <summary>The report's inline stylesheet (system fonts only, nothing fetched).</summary>
internal static class PageStyle
{
    /// <summary>The CSS, placed in a <c>&lt;style&gt;</c> element.</summary>
    public const string Css = """
        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #f6f7f9; color: #1d1f23;
          font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; }
        main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 48px; }
        h1 { font-size: 22px; margin: 0 0 2px; overflow-wrap: anywhere; }
        h2 { font-size: 17px; margin: 0 0 10px; }
        h3 { font-size: 14px; margin: 14px 0 6px; color: #333; }
        .sub { color: #555; margin: 0 0 14px; overflow-wrap: anywhere; }
        section { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px; padding: 16px 18px; margin: 16px 0; }
        nav { font-size: 13px; margin: 6px 0 0; }
        nav a { color: #0b5cad; margin-right: 14px; text-decoration: none; }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0 4px; }
        .card { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px; padding: 8px 14px; min-width: 130px; }
        .card .k { font-size: 12px; color: #666; }
        .card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th, td { padding: 4px 10px; border-bottom: 1px solid #eceef1; text-align: left; vertical-align: top; }
        th { font-weight: 600; color: #444; background: #fafbfc; }
        td.num, th.num { text-align: right; }
        td.name { overflow-wrap: anywhere; max-width: 360px; }
        table.env td { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px;
          overflow-wrap: anywhere; max-width: 760px; }
        table.env td:first-child { color: #555; white-space: nowrap; }
        details summary { cursor: pointer; color: #444; margin: 8px 0; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 10px 18px; }
        .flow { display: flex; flex-wrap: wrap; gap: 10px 22px; align-items: flex-start; }
        svg.chart { max-width: 100%; height: auto; display: block; }
        .scroll { overflow-x: auto; }
        table.multiples { border-collapse: collapse; }
        table.multiples th, table.multiples td { border: none; padding: 2px 4px; background: none; }
        table.multiples th.task { text-align: right; font-weight: 500; max-width: 160px; white-space: nowrap;
          overflow: hidden; text-overflow: ellipsis; vertical-align: middle; font-size: 12px; }
        table.multiples th.layer { text-align: center; font-size: 12px; }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: #333; margin: 4px 0 10px; }
        .legend .sw { display: inline-block; width: 22px; height: 0; border-top: 3px solid; vertical-align: middle;
          margin-right: 5px; }
        .legend .box { display: inline-block; width: 13px; height: 13px; border: 1px solid #bbb; border-radius: 2px;
          vertical-align: -2px; margin-right: 5px; }
        .note { color: #666; font-size: 12px; margin: 4px 0 8px; }
        .clusters li { overflow-wrap: anywhere; }
        """;
}
