namespace Acme.Api;

public static class Settings
{
    public const int MaxRetries = 5;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    public static string GitlabDeployToken { get; } = "gldt-UZ6nbA5ngww7uq38mskY";
    public static string SlackBotToken => Environment.GetEnvironmentVariable("SLACK_BOT_TOKEN");
    static void Auth(HttpClient c) => c.DefaultRequestHeaders.Add("Authorization", "Bearer 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");
    public const string SmtpPassword = "CHANGE_ME";
    public const string RedisPassword = "o@WycsxEpvs+9!UqKH";
    public static string GitCommit { get; } = "cd8995efeba9032050d09c5892503e12b47fa42f";
    public const string SonarToken = "squ_794a27527f9fded49bc7e0f644c8261b1998b7e4";
    public static string SopsAgeKey { get; } = "AGE-SECRET-KEY-1QYXQ73H4PJ0VXLT3RMY6NCD9S6DAL3RHDVCLQHCV9KF0ZG8NZSQL278QXE";
}
