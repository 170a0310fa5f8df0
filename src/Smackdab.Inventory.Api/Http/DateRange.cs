using System.Globalization;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Http;

/// <summary>start_date / end_date: a date (yyyy-MM-dd, end inclusive) or an ISO 8601 date-time (end exclusive), UTC.</summary>
public static class DateRange
{
    public static (DateTime? Start, DateTime? End) Parse(IQueryCollection query) =>
        Parse(query["start_date"].ToString(), query["end_date"].ToString());

    /// <summary>The same rules for values from a request body.</summary>
    public static (DateTime? Start, DateTime? End) Parse(string? startDate, string? endDate)
    {
        var errors = new ValidationErrors();
        var start = Read(startDate ?? "", "start_date", isEnd: false, errors);
        var end = Read(endDate ?? "", "end_date", isEnd: true, errors);
        if (start is not null && end is not null && end <= start)
        {
            errors.Add("end_date", "Must be after start_date");
        }

        errors.ThrowIfAny();
        return (start, end);
    }

    private static DateTime? Read(string raw, string name, bool isEnd, ValidationErrors errors)
    {
        if (raw.Length == 0)
        {
            return null;
        }

        if (DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var day = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            return isEnd ? day.AddDays(1) : day;
        }

        if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return instant.UtcDateTime;
        }

        errors.Add(name, "Must be a date (2025-01-28) or an ISO 8601 date-time");
        return null;
    }
}
