using System.Text;

namespace VoiceProxy.Infrastructure;

/// <summary>RFC 4180 CSV rows (CRLF, quotes doubled), safe to open in a spreadsheet.</summary>
internal static class Csv
{
    public static void AppendRow(StringBuilder line, IReadOnlyList<string?> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0) line.Append(',');
            AppendCell(line, cells[i]);
        }
        line.Append("\r\n");
    }

    /// <summary>
    /// A cell a spreadsheet would take for a formula (starting with =, +, -, @, or a tab or carriage return that
    /// some programs skip before one) gets a leading apostrophe, as OWASP advises; then RFC 4180 quoting.
    /// E.164 numbers start with + and so are written '+14155550123: a spreadsheet shows them as text, not a sum.
    /// </summary>
    public static void AppendCell(StringBuilder line, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        var neutralise = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
        var quote = value.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        if (quote) line.Append('"');
        if (neutralise) line.Append('\'');
        if (quote) line.Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        else line.Append(value);
    }

    /// <summary>The cells of one line: commas outside double quotes separate them, a doubled quote inside is one; null when
    /// a quote is left open (a cell may not span lines here).</summary>
    public static List<string>? Split(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"') cell.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        if (quoted) return null;
        cells.Add(cell.ToString());
        return cells;
    }
}
