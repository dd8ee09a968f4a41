namespace Chronik.Storage.Objects.S3;

/// <summary>Where an <see cref="S3ObjectStore"/> writes and how it retries; null keys fall back to the SDK's default credential chain.</summary>
public sealed record S3ObjectStoreOptions
{
    public required string Bucket { get; init; }

    /// <summary>An S3-compatible endpoint (http://127.0.0.1:4568), or null for AWS's own for <see cref="Region"/>.</summary>
    public Uri? Endpoint { get; init; }

    public string Region { get; init; } = "us-east-1";

    /// <summary>Path-style addressing (endpoint/bucket/key), which S3 doubles such as s3rver and MinIO need.</summary>
    public bool PathStyle { get; init; }

    public string? AccessKeyId { get; init; }

    public string? SecretAccessKey { get; init; }

    public string? SessionToken { get; init; }

    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;
}
