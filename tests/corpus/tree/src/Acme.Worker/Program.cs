namespace Acme.Api;

public static class Settings
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    public static string AwsAccessKeyId { get; } = "AKIAI44QH8DHBEXAMPLE";
    public static string HerokuApiKey { get; } = "c4d8b505-ff3a-4c24-af7e-19d98e652463";
    public const string BackupContainerUrl = "https://acmeqbgvke.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=JIACM4S218NOEYqkK4zqkZHJQEHwuw8yJK4RCdgh%2FrI%3D";
    public static string RedisPassword => Environment.GetEnvironmentVariable("REDIS_PASSWORD");
    public static string TwilioApiKey { get; } = "SKe7cf0ce35508d8446c4fafc40d7c43c9";
    public const int MaxRetries = 5;
    static void Auth(HttpClient c) => c.DefaultRequestHeaders.Add("Authorization", "Bearer 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");
    public const string PagerdutyToken = "+E2tk7xmIfVUuyGhRX2S";
}
