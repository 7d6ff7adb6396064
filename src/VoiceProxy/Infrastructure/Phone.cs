using System.Text.RegularExpressions;
using PhoneNumbers;

namespace VoiceProxy.Infrastructure;

/// <summary>Phone number parsing for the API: E.164 in, US (NANP, US and its territories) only.</summary>
internal static partial class Phone
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    /// <summary>The US with its territories, and Canada: the NANP regions whose rules the gate knows.</summary>
    private static readonly HashSet<string> CallableRegions = ["US", "PR", "VI", "GU", "AS", "MP", "CA"];

    // ASCII digits only: \d would admit other scripts' digits, and a number spelled two ways would be two keys in the ledgers.
    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();

    public static bool IsE164(string? value) => value is not null && E164().IsMatch(value);

    /// <summary>Returns null when the number can be called (a US or Canadian number), else why not.</summary>
    public static string? ValidateNumber(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "is required.";
        if (!IsE164(value)) return "must be an E.164 number such as +14155550123.";
        if (!value.StartsWith("+1", StringComparison.Ordinal) || value.Length != 12)
            return "must be a US or Canadian number (+1 and 10 digits); other countries are not supported.";
        PhoneNumber parsed;
        try { parsed = Util.Parse(value, null); }
        catch (NumberParseException) { return "is not a valid phone number."; }
        var region = Util.GetRegionCodeForNumber(parsed);
        if (!Util.IsValidNumber(parsed))
            // A well-formed number in an area code no region claims goes on to the gate, which blocks it as unknown_location.
            return IsWellFormedNanp(value) && region is null or "ZZ" ? null : "is not a valid North American number.";
        if (!CallableRegions.Contains(region)) return $"must be a US or Canadian number; this one is in {region}.";
        return Util.GetNumberType(parsed) switch
        {
            PhoneNumberType.PREMIUM_RATE => "is a premium-rate (900) number, which is never called.",
            PhoneNumberType.TOLL_FREE or PhoneNumberType.SHARED_COST or PhoneNumberType.UAN or PhoneNumberType.PAGER
                => "is not a geographic number that can be called.",
            _ => null,
        };
    }

    public static PhoneNumberType TypeOf(string e164)
    {
        try { return Util.GetNumberType(Util.Parse(e164, null)); }
        catch (NumberParseException) { return PhoneNumberType.UNKNOWN; }
    }

    /// <summary>+1 NPA NXX XXXX with NPA and NXX each [2-9][0-9][0-9] and neither an N11 service code.</summary>
    private static bool IsWellFormedNanp(string e164) =>
        e164[2] >= '2' && e164[5] >= '2' && e164.Substring(3, 2) != "11" && e164.Substring(6, 2) != "11";

    /// <summary>Whether a +1 number is Canadian (libphonenumber's region CA): its national list is Canada's DNCL.</summary>
    public static bool IsCanadian(string e164)
    {
        try { return Util.GetRegionCodeForNumber(Util.Parse(e164, null)) == "CA"; }
        catch (NumberParseException) { return false; }
    }

    /// <summary>The area code (NPA) of a validated +1 number.</summary>
    public static string Npa(string e164) => e164.Substring(2, 3);

    /// <summary>For logs: only the last four digits are kept.</summary>
    public static string Mask(string? value) =>
        value is null || value.Length <= 4 ? "****" : new string('*', value.Length - 4) + value[^4..];
}
