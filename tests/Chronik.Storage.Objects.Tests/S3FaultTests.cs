using System.Diagnostics;
using Chronik.Storage.Objects.S3;
using Chronik.Tests.Shared;

namespace Chronik.Storage.Objects.Tests;

/// <summary>The S3 store through a <see cref="FaultProxy"/> in front of s3rver: it rides out short outages and reports, never hides, a long one.</summary>
[Collection(ObjectStoreCollection.Name)]
public sealed class S3FaultTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncDisposable
{
    private static readonly RetryPolicy Patient = new()
    {
        MaxAttempts = 30, BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(300), AttemptTimeout = TimeSpan.FromSeconds(1),
    };

    private static readonly RetryPolicy Short = new()
    {
        MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(50), AttemptTimeout = TimeSpan.FromMilliseconds(500),
    };

    private readonly string _prefix = "fault/" + Guid.NewGuid().ToString("N") + "/";
    private readonly FaultProxy _proxy = new(s3.SocketEndPoint);
    private readonly S3ObjectStore _direct = new(s3.Options());

    public async ValueTask DisposeAsync()
    {
        await _direct.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    private S3ObjectStore Through(RetryPolicy retry) => new(s3.Options(_proxy.Url, retry));

    [Fact]
    public async Task The_proxy_passes_requests_through()
    {
        await using var store = Through(Patient);
        await store.PutAsync(_prefix + "pass.obj", new byte[] { 1, 2, 3 }, CancellationToken.None);
        Assert.Equal(3, (await _direct.HeadAsync(_prefix + "pass.obj", CancellationToken.None))!.Size);
        Assert.True(_proxy.ForwardedConnections > 0);
    }

    [Fact]
    public async Task A_put_retries_through_a_short_SlowDown_outage()
    {
        await using var store = Through(Patient);
        var data = new byte[256 * 1024];
        Random.Shared.NextBytes(data);
        _proxy.FailFor(FaultMode.SlowDown, TimeSpan.FromMilliseconds(800));
        var clock = Stopwatch.StartNew();
        await store.PutAsync(_prefix + "slow.obj", data, CancellationToken.None);
        Assert.True(_proxy.FaultedRequests > 0, "the outage was not seen");
        Assert.True(clock.Elapsed > TimeSpan.FromMilliseconds(600), $"returned after {clock.ElapsedMilliseconds} ms, inside the outage");
        using var back = await _direct.ReadRangeAsync(_prefix + "slow.obj", 0, data.Length, CancellationToken.None);
        Assert.Equal(data, back.Memory.ToArray());
    }

    [Fact]
    public async Task A_put_and_a_read_retry_through_a_stall()
    {
        await using var store = Through(Patient);
        var data = new byte[100_000];
        Random.Shared.NextBytes(data);
        await _direct.PutAsync(_prefix + "before.obj", data, CancellationToken.None);
        _proxy.FailFor(FaultMode.Stall, TimeSpan.FromSeconds(2.5));
        var read = store.ReadRangeAsync(_prefix + "before.obj", 1000, 5000, CancellationToken.None);
        await store.PutAsync(_prefix + "stall.obj", data, CancellationToken.None);
        using (var r = await read) Assert.Equal(data[1000..6000], r.Memory.ToArray());
        Assert.True(_proxy.StalledConnections > 0, "the stall was not seen");
        Assert.Equal(data.Length, (await _direct.HeadAsync(_prefix + "stall.obj", CancellationToken.None))!.Size);
    }

    [Fact]
    public async Task A_long_SlowDown_outage_fails_the_put_after_the_retry_budget_and_nothing_is_written()
    {
        await using var store = Through(Short);
        await store.HeadAsync(_prefix + "warm", CancellationToken.None);
        _proxy.SetMode(FaultMode.SlowDown);
        var e = await Assert.ThrowsAsync<ObjectStoreUnavailableException>(() => store.PutAsync(_prefix + "never.obj", new byte[1000], CancellationToken.None));
        Assert.Equal(Short.MaxAttempts, e.Attempts);
        Assert.Contains("503", e.Message, StringComparison.Ordinal);
        _proxy.SetMode(FaultMode.Pass);
        Assert.Null(await _direct.HeadAsync(_prefix + "never.obj", CancellationToken.None));
    }

    [Fact]
    public async Task A_long_stall_fails_every_call_with_unavailable_not_success()
    {
        await using var store = Through(Short);
        await _direct.PutAsync(_prefix + "there.obj", new byte[10], CancellationToken.None);
        _proxy.SetMode(FaultMode.Stall);
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<ObjectStoreUnavailableException>(() => store.PutAsync(_prefix + "stalled.obj", new byte[1000], CancellationToken.None));
        await Assert.ThrowsAsync<ObjectStoreUnavailableException>(() => store.ReadAsync(_prefix + "there.obj", 0, new byte[10], CancellationToken.None));
        await Assert.ThrowsAsync<ObjectStoreUnavailableException>(() => store.ListAsync(_prefix, null, 10, CancellationToken.None));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the budget took {clock.Elapsed}");
        _proxy.SetMode(FaultMode.Pass);
        Assert.Null(await _direct.HeadAsync(_prefix + "stalled.obj", CancellationToken.None));
    }

    [Fact]
    public async Task The_callers_cancellation_stops_the_retries_at_once()
    {
        await using var store = Through(Patient);
        _proxy.SetMode(FaultMode.SlowDown);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PutAsync(_prefix + "cancelled.obj", new byte[10], cts.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"cancellation took {clock.Elapsed}");
        _proxy.SetMode(FaultMode.Pass);
    }
}
