namespace Acme.Api;

public static class Settings
{
    public const string OpenaiApiKey = "<your-api-key>";
    public const string MapsApiKey = "AIza5U2b0L-GvpLgCbbypHVyMvqihsgK6IuBYVl";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
}
