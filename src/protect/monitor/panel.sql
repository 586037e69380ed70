WITH "t22" AS (
  SELECT
    *
  FROM (
    SELECT
      CAST("t0"."release_id" AS BIGINT) AS "release_id",
      CAST("t0"."source" AS TEXT) AS "source",
      CAST("t0"."iso3" AS TEXT) AS "iso3",
      CAST("t0"."month_start" AS BIGINT) AS "m",
      1.0 AS "w",
      CAST("t0"."type" AS BIGINT) AS "type",
      CAST("t0"."best" AS DOUBLE) AS "best",
      CAST("t0"."low" AS DOUBLE) AS "low",
      CAST("t0"."high" AS DOUBLE) AS "high",
      CAST("t0"."civilians" AS DOUBLE) AS "civilians",
      CAST("t0"."interstate" AS BOOLEAN) AS "interstate",
      "t0"."perpetrator",
      CAST("t0"."perpetrator_is_gov" AS BOOLEAN) AS "perpetrator_is_gov"
    FROM "panel_input" AS "t0"
    WHERE
      "t0"."month_start" = "t0"."month_end"
  ) AS "t11"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      CAST("t17"."release_id" AS BIGINT) AS "release_id",
      "t17"."source",
      "t17"."iso3",
      CAST("t17"."m" AS BIGINT) AS "m",
      CAST((
        LEAST("t17"."day_end", "t17"."last_day") - GREATEST("t17"."day_start", "t17"."first_day")
      ) + 1 AS DOUBLE) / CAST((
        "t17"."day_end" - "t17"."day_start"
      ) + 1 AS DOUBLE) AS "w",
      CAST("t17"."type" AS BIGINT) AS "type",
      "t17"."best",
      "t17"."low",
      "t17"."high",
      "t17"."civilians",
      "t17"."interstate",
      "t17"."perpetrator",
      "t17"."perpetrator_is_gov"
    FROM (
      SELECT
        "t13"."release_id",
        "t13"."source",
        "t13"."record_no",
        "t13"."event_id",
        "t13"."iso3",
        "t13"."gw",
        "t13"."type",
        "t13"."day_start",
        "t13"."day_end",
        "t13"."month_start",
        "t13"."month_end",
        "t13"."date_prec",
        "t13"."where_prec",
        "t13"."best",
        "t13"."low",
        "t13"."high",
        "t13"."civilians",
        "t13"."side_a",
        "t13"."side_b",
        "t13"."perpetrator",
        "t13"."perpetrator_is_gov",
        "t13"."interstate",
        "t13"."candidate",
        "t13"."admin1",
        "t13"."admin2",
        "t13"."latitude",
        "t13"."longitude",
        "t3"."m",
        "t3"."first_day",
        "t3"."last_day"
      FROM (
        SELECT
          *
        FROM "panel_input" AS "t0"
        WHERE
          "t0"."month_start" <> "t0"."month_end"
      ) AS "t13"
      INNER JOIN "calendar" AS "t3"
        ON "t13"."month_start" <= "t3"."m" AND "t13"."month_end" >= "t3"."m"
    ) AS "t17"
  ) AS "t21"
)
SELECT
  "t38"."release_id",
  "t38"."source",
  "t38"."iso3",
  "t38"."m",
  CAST(ROUND("t38"."sb_best", 6) AS DOUBLE) AS "sb_best",
  CAST(ROUND("t38"."sb_low", 6) AS DOUBLE) AS "sb_low",
  CAST(ROUND("t38"."sb_high", 6) AS DOUBLE) AS "sb_high",
  CAST(ROUND("t38"."ns_best", 6) AS DOUBLE) AS "ns_best",
  CAST(ROUND("t38"."ns_low", 6) AS DOUBLE) AS "ns_low",
  CAST(ROUND("t38"."ns_high", 6) AS DOUBLE) AS "ns_high",
  CAST(ROUND("t38"."os_best", 6) AS DOUBLE) AS "os_best",
  CAST(ROUND("t38"."os_low", 6) AS DOUBLE) AS "os_low",
  CAST(ROUND("t38"."os_high", 6) AS DOUBLE) AS "os_high",
  CAST(ROUND("t38"."civilians", 6) AS DOUBLE) AS "civilians",
  CAST(ROUND("t38"."interstate_best", 6) AS DOUBLE) AS "interstate_best",
  "t38"."events",
  "t38"."actors",
  CAST(ROUND("t38"."sb_best_3m", 6) AS DOUBLE) AS "sb_best_3m",
  CAST(ROUND("t38"."ns_best_3m", 6) AS DOUBLE) AS "ns_best_3m",
  CAST(ROUND("t38"."os_best_3m", 6) AS DOUBLE) AS "os_best_3m",
  CAST(ROUND("t38"."civilians_3m", 6) AS DOUBLE) AS "civilians_3m",
  CAST(ROUND("t38"."sb_best_12m", 6) AS DOUBLE) AS "sb_best_12m",
  CAST(ROUND("t38"."ns_best_12m", 6) AS DOUBLE) AS "ns_best_12m",
  CAST(ROUND("t38"."os_best_12m", 6) AS DOUBLE) AS "os_best_12m",
  CAST(ROUND("t38"."civilians_12m", 6) AS DOUBLE) AS "civilians_12m",
  CAST(ROUND("t38"."interstate_best_12m", 6) AS DOUBLE) AS "interstate_best_12m",
  "t38"."top_perpetrator",
  CAST(ROUND("t38"."top_perpetrator_12m", 6) AS DOUBLE) AS "top_perpetrator_12m",
  "t38"."top_perpetrator_is_gov"
FROM (
  SELECT
    "t37"."release_id",
    "t37"."source",
    "t37"."iso3",
    "t37"."m",
    "t37"."sb_best",
    "t37"."sb_low",
    "t37"."sb_high",
    "t37"."ns_best",
    "t37"."ns_low",
    "t37"."ns_high",
    "t37"."os_best",
    "t37"."os_low",
    "t37"."os_high",
    "t37"."civilians",
    "t37"."interstate_best",
    "t37"."events",
    "t37"."actors",
    "t37"."top_perpetrator",
    "t37"."top_perpetrator_12m",
    "t37"."top_perpetrator_is_gov",
    SUM("t37"."sb_best") OVER (
      PARTITION BY "t37"."release_id", "t37"."source", "t37"."iso3"
      ORDER BY "t37"."m" ASC
      ROWS BETWEEN 2 preceding AND CURRENT ROW
    ) AS "sb_best_3m",
    SUM("t37"."ns_best") OVER (
      PARTITION BY "t37"."release_id", "t37"."source", "t37"."iso3"
      ORDER BY "t37"."m" ASC
      ROWS BETWEEN 2 preceding AND CURRENT ROW
    ) AS "ns_best_3m",
    SUM("t37"."os_best") OVER (
      PARTITION BY "t37"."release_id", "t37"."source", "t37"."iso3"
      ORDER BY "t37"."m" ASC
      ROWS BETWEEN 2 preceding AND CURRENT ROW
    ) AS "os_best_3m",
    SUM("t37"."civilians") OVER (
      PARTITION BY "t37"."release_id", "t37"."source", "t37"."iso3"
      ORDER BY "t37"."m" ASC
      ROWS BETWEEN 2 preceding AND CURRENT ROW
    ) AS "civilians_3m",
    SUM("t37"."sb_best") OVER (
      PARTITION BY "t37"."release_id", "t37"."source", "t37"."iso3"
      ORDER BY "t37"."m" ASC
      ROWS BETWEEN 11 preceding AND CURRENT ROW
    ) AS "sb_best_12m",
    SUM("t37"."ns_best") OVER (
      PARTITION BY "t37"."release_id", "t37"."source", "t37"."iso3"
      ORDER BY "t37"."m" ASC
      ROWS BETWEEN 11 preceding AND CURRENT ROW
    ) AS "ns_best_12m",
    SUM("t37"."os_best") OVER (
      PARTITION BY "t37"."release_id", "t37"."source", "t37"."iso3"
      ORDER BY "t37"."m" ASC
      ROWS BETWEEN 11 preceding AND CURRENT ROW
    ) AS "os_best_12m",
    SUM("t37"."civilians") OVER (
      PARTITION BY "t37"."release_id", "t37"."source", "t37"."iso3"
      ORDER BY "t37"."m" ASC
      ROWS BETWEEN 11 preceding AND CURRENT ROW
    ) AS "civilians_12m",
    SUM("t37"."interstate_best") OVER (
      PARTITION BY "t37"."release_id", "t37"."source", "t37"."iso3"
      ORDER BY "t37"."m" ASC
      ROWS BETWEEN 11 preceding AND CURRENT ROW
    ) AS "interstate_best_12m"
  FROM (
    SELECT
      "t36"."release_id",
      "t36"."source",
      "t36"."iso3",
      "t36"."m",
      COALESCE("t36"."sb_best", 0.0) AS "sb_best",
      COALESCE("t36"."sb_low", 0.0) AS "sb_low",
      COALESCE("t36"."sb_high", 0.0) AS "sb_high",
      COALESCE("t36"."ns_best", 0.0) AS "ns_best",
      COALESCE("t36"."ns_low", 0.0) AS "ns_low",
      COALESCE("t36"."ns_high", 0.0) AS "ns_high",
      COALESCE("t36"."os_best", 0.0) AS "os_best",
      COALESCE("t36"."os_low", 0.0) AS "os_low",
      COALESCE("t36"."os_high", 0.0) AS "os_high",
      COALESCE("t36"."civilians", 0.0) AS "civilians",
      COALESCE("t36"."interstate_best", 0.0) AS "interstate_best",
      COALESCE("t36"."events", 0) AS "events",
      COALESCE("t36"."actors", 0) AS "actors",
      "t36"."top_perpetrator",
      COALESCE("t36"."top_perpetrator_12m", 0.0) AS "top_perpetrator_12m",
      COALESCE("t36"."top_perpetrator_is_gov", FALSE) AS "top_perpetrator_is_gov"
    FROM (
      SELECT
        "t12"."release_id",
        "t12"."source",
        "t12"."iso3",
        "t3"."m",
        "t29"."sb_best",
        "t29"."sb_low",
        "t29"."sb_high",
        "t29"."ns_best",
        "t29"."ns_low",
        "t29"."ns_high",
        "t29"."os_best",
        "t29"."os_low",
        "t29"."os_high",
        "t29"."civilians",
        "t29"."interstate_best",
        "t15"."events",
        "t20"."actors",
        "t35"."top_perpetrator",
        "t35"."top_perpetrator_12m",
        "t35"."top_perpetrator_is_gov"
      FROM (
        SELECT
          "t0"."release_id",
          "t0"."source",
          "t0"."iso3",
          MIN("t0"."month_start") AS "first_m",
          MAX("t0"."month_end") AS "last_m"
        FROM "panel_input" AS "t0"
        GROUP BY
          1,
          2,
          3
      ) AS "t12"
      INNER JOIN "calendar" AS "t3"
        ON "t12"."first_m" <= "t3"."m" AND "t12"."last_m" >= "t3"."m"
      LEFT OUTER JOIN (
        SELECT
          "t25"."release_id" AS "d_release_id",
          "t25"."source" AS "d_source",
          "t25"."iso3" AS "d_iso3",
          "t25"."m" AS "d_m",
          "t25"."sb_best",
          "t25"."sb_low",
          "t25"."sb_high",
          "t25"."ns_best",
          "t25"."ns_low",
          "t25"."ns_high",
          "t25"."os_best",
          "t25"."os_low",
          "t25"."os_high",
          "t25"."civilians",
          "t25"."interstate_best"
        FROM (
          SELECT
            "t23"."release_id",
            "t23"."source",
            "t23"."iso3",
            "t23"."m",
            SUM(CASE WHEN "t23"."type" = 1 THEN "t23"."best" * "t23"."w" ELSE 0.0 END) AS "sb_best",
            SUM(CASE WHEN "t23"."type" = 1 THEN "t23"."low" * "t23"."w" ELSE 0.0 END) AS "sb_low",
            SUM(CASE WHEN "t23"."type" = 1 THEN "t23"."high" * "t23"."w" ELSE 0.0 END) AS "sb_high",
            SUM(CASE WHEN "t23"."type" = 2 THEN "t23"."best" * "t23"."w" ELSE 0.0 END) AS "ns_best",
            SUM(CASE WHEN "t23"."type" = 2 THEN "t23"."low" * "t23"."w" ELSE 0.0 END) AS "ns_low",
            SUM(CASE WHEN "t23"."type" = 2 THEN "t23"."high" * "t23"."w" ELSE 0.0 END) AS "ns_high",
            SUM(CASE WHEN "t23"."type" = 3 THEN "t23"."best" * "t23"."w" ELSE 0.0 END) AS "os_best",
            SUM(CASE WHEN "t23"."type" = 3 THEN "t23"."low" * "t23"."w" ELSE 0.0 END) AS "os_low",
            SUM(CASE WHEN "t23"."type" = 3 THEN "t23"."high" * "t23"."w" ELSE 0.0 END) AS "os_high",
            SUM("t23"."civilians" * "t23"."w") AS "civilians",
            SUM(CASE WHEN "t23"."interstate" THEN "t23"."best" * "t23"."w" ELSE 0.0 END) AS "interstate_best"
          FROM "t22" AS "t23"
          GROUP BY
            1,
            2,
            3,
            4
        ) AS "t25"
      ) AS "t29"
        ON "t12"."release_id" = "t29"."d_release_id"
        AND "t12"."source" = "t29"."d_source"
        AND "t12"."iso3" = "t29"."d_iso3"
        AND "t3"."m" = "t29"."d_m"
      LEFT OUTER JOIN (
        SELECT
          "t5"."release_id" AS "c_release_id",
          "t5"."source" AS "c_source",
          "t5"."iso3" AS "c_iso3",
          "t5"."m" AS "c_m",
          "t5"."events"
        FROM (
          SELECT
            "t0"."release_id",
            "t0"."source",
            "t0"."iso3",
            "t0"."month_start" AS "m",
            COUNT(*) AS "events"
          FROM "panel_input" AS "t0"
          GROUP BY
            1,
            2,
            3,
            4
        ) AS "t5"
      ) AS "t15"
        ON "t12"."release_id" = "t15"."c_release_id"
        AND "t12"."source" = "t15"."c_source"
        AND "t12"."iso3" = "t15"."c_iso3"
        AND "t3"."m" = "t15"."c_m"
      LEFT OUTER JOIN (
        SELECT
          "t18"."release_id" AS "a_release_id",
          "t18"."source" AS "a_source",
          "t18"."iso3" AS "a_iso3",
          "t18"."m" AS "a_m",
          "t18"."actors"
        FROM (
          SELECT
            "t16"."release_id",
            "t16"."source",
            "t16"."iso3",
            "t16"."m",
            COUNT(DISTINCT "t16"."actor") AS "actors"
          FROM (
            SELECT
              *
            FROM (
              SELECT
                *
              FROM (
                SELECT
                  "t0"."release_id",
                  "t0"."source",
                  "t0"."iso3",
                  "t0"."month_start" AS "m",
                  "t0"."side_a" AS "actor"
                FROM "panel_input" AS "t0"
              ) AS "t6"
              UNION ALL
              SELECT
                *
              FROM (
                SELECT
                  "t0"."release_id",
                  "t0"."source",
                  "t0"."iso3",
                  "t0"."month_start" AS "m",
                  "t0"."side_b" AS "actor"
                FROM "panel_input" AS "t0"
              ) AS "t7"
            ) AS "t10"
            WHERE
              "t10"."actor" IS NOT NULL
          ) AS "t16"
          GROUP BY
            1,
            2,
            3,
            4
        ) AS "t18"
      ) AS "t20"
        ON "t12"."release_id" = "t20"."a_release_id"
        AND "t12"."source" = "t20"."a_source"
        AND "t12"."iso3" = "t20"."a_iso3"
        AND "t3"."m" = "t20"."a_m"
      LEFT OUTER JOIN (
        SELECT
          "t33"."release_id" AS "release_id_t",
          "t33"."source" AS "source_t",
          "t33"."iso3" AS "iso3_t",
          "t33"."target" AS "m_t",
          "t33"."perpetrator" AS "top_perpetrator",
          "t33"."toll12" AS "top_perpetrator_12m",
          "t33"."gov" AS "top_perpetrator_is_gov"
        FROM (
          SELECT
            "t32"."release_id",
            "t32"."source",
            "t32"."iso3",
            "t32"."perpetrator",
            "t32"."target",
            "t32"."toll12",
            "t32"."gov",
            ROW_NUMBER() OVER (
              PARTITION BY "t32"."release_id", "t32"."source", "t32"."iso3", "t32"."target"
              ORDER BY "t32"."toll12" DESC, "t32"."perpetrator" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            ) - 1 AS "rank"
          FROM (
            SELECT
              "t31"."release_id",
              "t31"."source",
              "t31"."iso3",
              "t31"."perpetrator",
              "t31"."target",
              CAST(ROUND(SUM("t31"."toll"), 6) AS DOUBLE) AS "toll12",
              BOOL_OR(CAST("t31"."gov" AS BOOLEAN)) AS "gov"
            FROM (
              SELECT
                "t30"."release_id",
                "t30"."source",
                "t30"."iso3",
                "t30"."perpetrator",
                "t30"."m",
                "t30"."toll",
                "t30"."gov",
                "t30"."k",
                "t30"."m" + "t30"."k" AS "target"
              FROM (
                SELECT
                  "t28"."release_id",
                  "t28"."source",
                  "t28"."iso3",
                  "t28"."perpetrator",
                  "t28"."m",
                  "t28"."toll",
                  "t28"."gov",
                  "t4"."k"
                FROM (
                  SELECT
                    "t24"."release_id",
                    "t24"."source",
                    "t24"."iso3",
                    "t24"."perpetrator",
                    "t24"."m",
                    SUM("t24"."best" * "t24"."w") AS "toll",
                    BOOL_OR(CAST("t24"."perpetrator_is_gov" AS BOOLEAN)) AS "gov"
                  FROM (
                    SELECT
                      *
                    FROM "t22" AS "t23"
                    WHERE
                      "t23"."type" = 3
                  ) AS "t24"
                  GROUP BY
                    1,
                    2,
                    3,
                    4,
                    5
                ) AS "t28"
                CROSS JOIN "offsets12" AS "t4"
              ) AS "t30"
            ) AS "t31"
            GROUP BY
              1,
              2,
              3,
              4,
              5
          ) AS "t32"
        ) AS "t33"
        WHERE
          "t33"."rank" = 0
      ) AS "t35"
        ON "t12"."release_id" = "t35"."release_id_t"
        AND "t12"."source" = "t35"."source_t"
        AND "t12"."iso3" = "t35"."iso3_t"
        AND "t3"."m" = "t35"."m_t"
    ) AS "t36"
  ) AS "t37"
) AS "t38"
ORDER BY
  "t38"."release_id" ASC,
  "t38"."source" ASC,
  "t38"."iso3" ASC,
  "t38"."m" ASC
