using System.Security.Cryptography;
using System.Text.Json;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Twiml;

namespace VoiceProxy.Calls;

/// <summary>Turns a request body into a <see cref="ValidCallRequest"/>, or field errors for a 400.</summary>
internal sealed class CallValidation(TemplateCatalog templates, NpaTable npa)
{
    private const int MaxVariableLength = 500;

    public (ValidCallRequest? Request, Dictionary<string, string[]> Errors) Validate(CallRequestBody body, SellerOptions seller)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [message];

        if (Phone.ValidateNumber(body.To) is { } toError) Error("to", toError);
        var purpose = Purposes.Parse(body.Purpose);
        if (purpose is null) Error("purpose", "must be 'transactional' or 'marketing'.");
        var from = body.From ?? seller.CallerIds[0];
        if (!Phone.IsE164(from)) Error("from", "must be an E.164 number.");
        var language = body.Language ?? seller.DefaultLanguage;
        if (!Languages.IsSupported(language)) Error("language", $"must be one of {string.Join(", ", Languages.All)}.");

        var variables = body.Variables ?? [];
        foreach (var (name, value) in variables)
            if (value is null || value.Length > MaxVariableLength || value.Any(char.IsControl))
                Error($"variables.{name}", $"must be text of at most {MaxVariableLength} characters without control characters.");

        MessageTemplate? template = null;
        if (string.IsNullOrEmpty(body.Template) || !TemplateCatalog.NamePattern().IsMatch(body.Template))
            Error("template", "must name a template: lower-case letters, digits and dashes.");
        else if (Languages.IsSupported(language) && (template = templates.Find(language, body.Template)) is null)
            Error("template", $"No template '{body.Template}' exists for {language}.");
        if (template is not null)
        {
            var missing = template.Variables.Where(v => !variables.ContainsKey(v)).ToList();
            if (missing.Count > 0) Error("variables", $"The template needs {string.Join(", ", missing)}.");
            // Each value must fit its declared type, so that no value can turn the message into something else.
            foreach (var name in template.Variables)
            {
                var type = templates.VariableTypes[name];
                if (variables.GetValueOrDefault(name) is { } value && !type.Fits(value))
                    Error($"variables.{name}", $"must be {type.Description} (type {type.Name}).");
            }
            if (template.Purpose == Purpose.Marketing && purpose == Purpose.Transactional)
                Error("purpose", "This template makes an offer, so the call is a marketing call.");
        }

        CustomerLocation? customer = null;
        if (body.Customer is { } c)
        {
            if (c.State is not null && !npa.States.Contains(c.State))
                Error("customer.state", "must be a two-letter US state code or a Canadian province code such as CA-ON.");
            if (c.TimeZone is not null && !TimeZones.IsValid(c.TimeZone))
                Error("customer.timeZone", "must be an IANA time zone such as America/Chicago.");
            customer = new CustomerLocation(c.State, c.TimeZone);
        }

        if (errors.Count > 0) return (null, errors);
        // The request as resolved (default language and caller ID filled in), so spelling out a default is the same request.
        var canonical = new
        {
            body.To, body.Purpose, body.Template, Language = language,
            Variables = new SortedDictionary<string, string>(variables, StringComparer.Ordinal), From = from, body.Customer
        };
        var hash = Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(canonical, StoredJson.Options)));
        return (new ValidCallRequest(new CallIntent(seller.Id, body.To!, purpose!.Value, from), body.Template!, language,
            variables, customer, hash), errors);
    }
}
