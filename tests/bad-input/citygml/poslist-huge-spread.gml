<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:bldg="http://www.opengis.net/citygml/building/2.0" xmlns:gml="http://www.opengis.net/gml" xmlns:gen="http://www.opengis.net/citygml/generics/2.0">
<gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::7415" srsDimension="3"><gml:lowerCorner>85000 447000 0</gml:lowerCorner><gml:upperCorner>85060 447010 12</gml:upperCorner></gml:Envelope></gml:boundedBy>
<core:cityObjectMember>
<bldg:Building gml:id="g1">
<gen:stringAttribute name="name"><gen:value>house g1</gen:value></gen:stringAttribute>
<bldg:measuredHeight uom="m">12</bldg:measuredHeight>
<bldg:lod1Solid><gml:Solid><gml:exterior><gml:CompositeSurface>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85000 447008 0 85010 447008 0 85010 447000 0 85000 447000 0 85000 447008 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85000 447000 12 85010 447000 12 85010 447008 12 85000 447008 12 85000 447000 12</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85000 447000 0 85010 447000 0 85010 447000 12 85000 447000 12 85000 447000 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85010 447000 0 85010 447008 0 85010 447008 12 85010 447000 12 85010 447000 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85010 447008 0 85000 447008 0 85000 447008 12 85010 447008 12 85010 447008 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85000 447008 0 85000 447000 0 85000 447000 12 85000 447008 12 85000 447008 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
</gml:CompositeSurface></gml:exterior></gml:Solid></bldg:lod1Solid>
</bldg:Building>
</core:cityObjectMember>
<core:cityObjectMember>
<bldg:Building gml:id="g2">
<gen:stringAttribute name="name"><gen:value>house g2</gen:value></gen:stringAttribute>
<bldg:measuredHeight uom="m">12</bldg:measuredHeight>
<bldg:lod1Solid><gml:Solid><gml:exterior><gml:CompositeSurface>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85020 447008 0 -1e300 447080050 0 85030 447000 0 1e300 447000 0 85020 447008 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85020 447000 12 85030 447000 12 85030 447008 12 85020 447008 12 85020 447000 12</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>1e300 447000 0 85030 447000 0 85030 447000 12 85020 447000 12 1e300 447000 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85030 447000 0 -1e300 447080050 0 85030 447008 12 85030 447000 12 85030 447000 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>-1e300 447080050 0 85020 447008 0 85020 447008 12 85030 447008 12 -1e300 447080050 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85020 447008 0 1e300 447000 0 85020 447000 12 85020 447008 12 85020 447008 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
</gml:CompositeSurface></gml:exterior></gml:Solid></bldg:lod1Solid>
</bldg:Building>
</core:cityObjectMember>
<core:cityObjectMember>
<bldg:Building gml:id="g3">
<gen:stringAttribute name="name"><gen:value>house g3</gen:value></gen:stringAttribute>
<bldg:measuredHeight uom="m">12</bldg:measuredHeight>
<bldg:lod1Solid><gml:Solid><gml:exterior><gml:CompositeSurface>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85040 447008 0 85050 447008 0 85050 447000 0 85040 447000 0 85040 447008 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85040 447000 12 85050 447000 12 85050 447008 12 85040 447008 12 85040 447000 12</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85040 447000 0 85050 447000 0 85050 447000 12 85040 447000 12 85040 447000 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85050 447000 0 85050 447008 0 85050 447008 12 85050 447000 12 85050 447000 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85050 447008 0 85040 447008 0 85040 447008 12 85050 447008 12 85050 447008 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>85040 447008 0 85040 447000 0 85040 447000 12 85040 447008 12 85040 447008 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
</gml:CompositeSurface></gml:exterior></gml:Solid></bldg:lod1Solid>
</bldg:Building>
</core:cityObjectMember>
</core:CityModel>
