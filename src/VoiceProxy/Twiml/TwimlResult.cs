namespace VoiceProxy.Twiml;

/// <summary>TwiML as an HTTP response.</summary>
internal sealed class TwimlResult(Twilio.TwiML.VoiceResponse response) : IResult
{
    public Task ExecuteAsync(HttpContext context)
    {
        context.Response.ContentType = "application/xml; charset=utf-8";
        return context.Response.WriteAsync(response.ToString());
    }
}
