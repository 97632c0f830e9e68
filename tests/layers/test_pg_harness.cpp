// The test cluster itself (tests/pg/cluster.sh through tests/test_pg.hpp): a fresh database
// with PostGIS, reached through GDAL's PostgreSQL driver the way the store reaches it.
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <catch2/catch.hpp>
#include <string>

#include "test_pg.hpp"

using namespace gebieden;

TEST_CASE("postgis harness: a fresh database takes a point layer in EPSG:28992 through GDAL",
          "[postgis]") {
  const std::string conninfo = test::pg_database("harness_smoke");
  CHECK(conninfo.find("host=127.0.0.1") != std::string::npos);
  CHECK(test::pg_query(conninfo, "SELECT extname FROM pg_extension WHERE extname = 'postgis'") ==
        "postgis");

  {
    GDALDatasetUniquePtr ds(GDALDataset::FromHandle(GDALOpenEx(
        ("PG:" + conninfo).c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, nullptr, nullptr, nullptr)));
    REQUIRE(ds);
    OGRSpatialReference rd;
    REQUIRE(rd.importFromEPSG(28992) == OGRERR_NONE);
    OGRLayer* layer = ds->CreateLayer("plekken", &rd, wkbPoint, nullptr);
    REQUIRE(layer);
    OGRFieldDefn naam("naam", OFTString);
    REQUIRE(layer->CreateField(&naam) == OGRERR_NONE);
    OGRFeatureUniquePtr f(OGRFeature::CreateFeature(layer->GetLayerDefn()));
    f->SetField("naam", "Oldehove");
    OGRPoint p(182320.5, 579150.25);  // the Oldehove in RD
    REQUIRE(f->SetGeometry(&p) == OGRERR_NONE);
    REQUIRE(layer->CreateFeature(f.get()) == OGRERR_NONE);
  }

  // Read back on a new connection: what was written was committed.
  GDALDatasetUniquePtr ds(GDALDataset::FromHandle(
      GDALOpenEx(("PG:" + conninfo).c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr)));
  REQUIRE(ds);
  OGRLayer* layer = ds->GetLayerByName("plekken");
  REQUIRE(layer);
  CHECK(layer->GetFeatureCount() == 1);
  const OGRSpatialReference* srs = layer->GetSpatialRef();
  REQUIRE(srs);
  REQUIRE(srs->GetAuthorityCode(nullptr));
  CHECK(std::string(srs->GetAuthorityCode(nullptr)) == "28992");
  layer->ResetReading();
  OGRFeatureUniquePtr back(layer->GetNextFeature());
  REQUIRE(back);
  CHECK(std::string(back->GetFieldAsString("naam")) == "Oldehove");
  const OGRGeometry* g = back->GetGeometryRef();
  REQUIRE(g);
  REQUIRE(wkbFlatten(g->getGeometryType()) == wkbPoint);
  CHECK(g->toPoint()->getX() == 182320.5);
  CHECK(g->toPoint()->getY() == 579150.25);
  // PostGIS itself sees the point with its SRID.
  CHECK(test::pg_query(conninfo,
                       "SELECT ST_SRID(wkb_geometry) || ' ' || ST_AsText(wkb_geometry) "
                       "FROM plekken") == "28992 POINT(182320.5 579150.25)");
}
